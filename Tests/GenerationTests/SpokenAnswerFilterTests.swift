import Generation
import Testing

/// The filter that turns model output into speakable text, streamed or not.
@Suite struct SpokenAnswerFilterTests {
    @Test func stripsMarkdownAndListMarkersAndJoinsLines() {
        let text = "**The bridge** opened in 1847.\n- It is long\n2. It is old"
        #expect(SpokenAnswerFilter.spoken(text, maxSentences: 5) == "The bridge opened in 1847. It is long It is old")
    }

    @Test func stopsAfterTheSentenceLimit() {
        var filter = SpokenAnswerFilter(maxSentences: 2)
        let out = filter.feed("One. Two! Three? Four.")
        #expect(out == "One. Two!")
        #expect(filter.isComplete)
    }

    @Test func keepsNumbersThatLookLikeListMarkers() {
        #expect(SpokenAnswerFilter.spoken("1847 was the year. 3.5 km long.") == "1847 was the year. 3.5 km long.")
    }

    @Test func streamedPiecesJoinToTheWholeAnswerWhateverTheSplit() {
        let text = "  The Zorblat Bridge\n\n1. opened in **1847**. It spans   the river.  \n"
        let whole = SpokenAnswerFilter.spoken(text)
        for size in 1...7 {
            var filter = SpokenAnswerFilter()
            var streamed = ""
            var index = text.startIndex
            while index < text.endIndex {
                let end = text.index(index, offsetBy: size, limitedBy: text.endIndex) ?? text.endIndex
                streamed += filter.feed(String(text[index..<end]))
                index = end
            }
            streamed += filter.finish()
            #expect(streamed == whole, "split every \(size)")
        }
        #expect(whole == "The Zorblat Bridge opened in 1847. It spans the river.")
    }
}
