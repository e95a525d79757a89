/// How spoken answers are cut so that their first audio comes early: the model's stream releases, and the voice
/// speaks, a long sentence a clause at a time.
public enum SpeechPacing {
    /// Words a piece must hold before a comma, semicolon or colon ends it: shorter ("Yes, we do.") stays one breath.
    public static let clauseWords = 10
    /// The same for the answer's first piece: while it is made the listener hears nothing, and once it plays the
    /// next is made in the time it takes to say it, so it is cut at the first pause after a few words.
    public static let firstClauseWords = 4
    /// Words a spoken clause starts with: before one of them a speaker may pause, so a long piece with no comma is
    /// cut there (keeping at least four words after the cut) and still sounds natural.
    public static let clauseOpeners: Set<String> = ["and", "but", "or", "so", "because", "while", "which", "who", "where",
                                                    "when", "until", "unless", "although", "though", "if", "then", "before", "after"]
}
