/*
 * VoiceMicReact: the <voice-mic> flow as a React 18 component, as an ES module that needs no bundler.
 * React comes from the host page, never from here:
 *   - with React's UMD build on the page (window.React), import { VoiceMicReact } and use it;
 *   - with React as a module (an import map, a bundler), call createVoiceMicReact(React).
 * The recorder (16 kHz WAV through an AudioWorklet, silence detection) and the gateway client are the ones of
 * voice-mic.js, loaded next to this file.
 */
import "./voice-mic.js";

const { VoiceRecorder, VoiceClient, PcmPlayer, VoiceMicError, STATUS_TEXT, describeError } = globalThis.VoiceMic;

const styles = {
  root: { font: "15px/1.45 system-ui, sans-serif", maxWidth: "40rem" },
  row: { display: "flex", alignItems: "center", gap: 14 },
  button: (recording) => ({
    width: 64, height: 64, borderRadius: "50%", border: "none", cursor: "pointer", color: "#fff", fontSize: 26,
    background: recording ? "#dc2626" : "#2563eb",
  }),
  meter: { flex: 1, minWidth: 0 },
  level: { height: 6, borderRadius: 3, background: "#e5e7eb", overflow: "hidden", marginBottom: 6 },
  fill: (level) => ({ height: "100%", width: `${Math.round(level * 100)}%`, background: "#dc2626" }),
  status: (isError) => ({ color: isError ? "#b91c1c" : "#6b7280", fontWeight: isError ? 600 : 400 }),
  transcript: { fontStyle: "italic", margin: "12px 0 0" },
  response: { whiteSpace: "pre-wrap", margin: "12px 0 0" },
  sources: { margin: "8px 0 0", padding: 0, listStyle: "none", fontSize: "0.82em", color: "#6b7280" },
};

/** Builds the component on the React the host page uses. */
export function createVoiceMicReact(React) {
  const { createElement: h, useCallback, useEffect, useRef, useState } = React;

  function VoiceMicReact(props) {
    const [isRecording, setIsRecording] = useState(false);
    const [status, setStatus] = useState("idle");
    const [transcript, setTranscript] = useState("");
    const [response, setResponse] = useState(null);
    const [error, setError] = useState(null);
    const [level, setLevel] = useState(0);
    const mediaRecorderRef = useRef(null);
    const audioChunksRef = useRef([]);
    const audioPlayerRef = useRef(null);
    // Callbacks from the recorder outlive a render; they read the newest props and status through refs.
    const propsRef = useRef(props);
    propsRef.current = props;
    const statusRef = useRef(status);

    const changeStatus = useCallback((next) => {
      statusRef.current = next;
      setStatus(next);
      if (propsRef.current.onStateChange) propsRef.current.onStateChange(next);
    }, []);

    const fail = useCallback(
      (caught) => {
        const detail = (caught instanceof VoiceMicError ? caught : new VoiceMicError("server", String(caught))).detail;
        setError(detail);
        setIsRecording(false);
        changeStatus("error");
        if (propsRef.current.onError) propsRef.current.onError(detail);
      },
      [changeStatus],
    );

    // The question in flight, aborted when the user cuts in while its answer plays.
    const clientRef = useRef(null);
    const client = () => {
      const { apiUrl, apiKey, token, lang, sessionId } = propsRef.current;
      // A question asked long after the last one starts a new topic (the vanilla widget's conversation-minutes).
      const { conversationMinutes = 30 } = propsRef.current;
      const lapse = Math.max(1, Math.min(1440, Number(conversationMinutes) || 30)) * 60000;
      if (Date.now() - historyUpdatedRef.current > lapse) historyRef.current = [];
      // With auto-play and Web Audio, the answer plays from its samples as they come (`audio` events).
      const streamAudio = (propsRef.current.autoPlay ?? true) && PcmPlayer.supported;
      return new VoiceClient({ apiUrl, apiKey, token, lang, sessionId, history: historyRef.current, streamAudio });
    };
    // The last turns of this component's conversation, sent with each question so follow-ups keep their topic.
    const historyRef = useRef([]);
    const historyUpdatedRef = useRef(0);
    // Streamed sentences play in order on the component's player while later ones arrive; streamed samples play on
    // Web Audio. Once the answer is complete and nothing plays, the component is idle again.
    const sentenceQueueRef = useRef([]);
    const answerDoneRef = useRef(false);
    const pcmRef = useRef(null);
    const pcm = () => {
      if (!pcmRef.current) {
        pcmRef.current = new PcmPlayer({
          onDrained: () => answerDoneRef.current && statusRef.current === "speaking" && changeStatus("idle"),
        });
      }
      return pcmRef.current;
    };
    const playNext = useCallback(() => {
      const player = audioPlayerRef.current;
      const next = sentenceQueueRef.current.shift();
      if (!player || !next) return false;
      player.src = next;
      changeStatus("speaking");
      player.play().catch(() => changeStatus("idle"));
      return true;
    }, [changeStatus]);

    const stop = useCallback(async () => {
      const recorder = mediaRecorderRef.current;
      if (!recorder || statusRef.current !== "recording") return;
      mediaRecorderRef.current = null;
      setIsRecording(false);
      changeStatus("processing");
      const blob = await recorder.stop();
      let answer;
      let transcriptSent = false;
      let streamedAudio = false;
      const sampled = new Set(); // sentences whose samples came as `audio` events
      const { autoPlay = true } = propsRef.current;
      sentenceQueueRef.current = [];
      answerDoneRef.current = false;
      const onEvent = (event) => {
        const { onTranscript, onSentence } = propsRef.current;
        if (event.type === "transcript") {
          setTranscript(event.text);
          transcriptSent = true;
          if (onTranscript) onTranscript(event.text);
        } else if (event.type === "audio") {
          streamedAudio = true;
          sampled.add(event.index);
          pcm().play(event.pcm, event.sample_rate);
          if (statusRef.current !== "speaking") changeStatus("speaking");
        } else if (event.type === "sentence") {
          if (onSentence) onSentence(event);
          if (autoPlay && !sampled.has(event.index)) {
            streamedAudio = true;
            sentenceQueueRef.current.push(event.audio_url);
            if (statusRef.current !== "speaking") playNext();
          }
        }
      };
      const asking = client();
      clientRef.current = asking;
      try {
        answer = await asking.askAudio(blob, onEvent);
      } catch (caught) {
        // Cut off by the user (barge-in): the next question is already theirs.
        return asking.aborted ? undefined : fail(caught);
      } finally {
        if (clientRef.current === asking) clientRef.current = null;
      }
      setTranscript(answer.transcript || "");
      setResponse(answer);
      historyRef.current = [...historyRef.current, { role: "user", content: answer.transcript || "" },
        { role: "assistant", content: answer.response_text || "" }].slice(-6);
      historyUpdatedRef.current = Date.now();
      const { onTranscript, onResponse } = propsRef.current;
      if (answer.transcript && onTranscript && !transcriptSent) onTranscript(answer.transcript);
      if (onResponse) onResponse(answer);
      const player = audioPlayerRef.current;
      answerDoneRef.current = true;
      if (streamedAudio) {
        const playing = pcm().playing || (player && !player.paused) || sentenceQueueRef.current.length > 0;
        if (!playing) changeStatus("idle");
        return;
      }
      if (answer.audio_url && player) {
        player.src = answer.audio_url;
        if (autoPlay) {
          changeStatus("speaking");
          return player.play().catch(() => changeStatus("idle"));
        }
      }
      changeStatus("idle");
    }, [changeStatus, fail, playNext]);

    // Stops the answer playing and its request: what any barge-in does first.
    const silence = useCallback(() => {
      sentenceQueueRef.current = [];
      if (pcmRef.current) pcmRef.current.stop();
      if (audioPlayerRef.current) audioPlayerRef.current.pause();
      if (clientRef.current) clientRef.current.abort();
    }, []);

    const newRecorder = useCallback((onSpeech = null) => {
      const { maxSeconds = 15, silenceMs = 1200 } = propsRef.current;
      const recorder = new VoiceRecorder({
        maxSeconds, silenceMs, onLevel: setLevel, onSpeech,
        onAutoStop: () => mediaRecorderRef.current === recorder && stop(),
      });
      return recorder;
    }, [stop]);

    const start = useCallback(async () => {
      silence();
      setError(null);
      changeStatus("requesting");
      const recorder = newRecorder();
      try {
        await recorder.start();
      } catch (caught) {
        return fail(caught);
      }
      mediaRecorderRef.current = recorder;
      audioChunksRef.current = recorder.chunks;
      setIsRecording(true);
      changeStatus("recording");
    }, [changeStatus, fail, newRecorder, silence]);

    // A press while the answer plays cuts it off and listens at once (barge-in).
    const toggle = () => {
      if ((propsRef.current.autoPlay ?? true) && PcmPlayer.supported) pcm().unlock();
      if (statusRef.current === "recording") stop();
      else if (statusRef.current !== "processing" && statusRef.current !== "requesting") start();
    };

    // With `bargeIn`, the microphone listens while the answer plays; speech cuts it off and is the next question.
    useEffect(() => {
      if (status !== "speaking" || !props.bargeIn) return undefined;
      let kept = false;
      const recorder = newRecorder(() => {
        if (statusRef.current !== "speaking") return;
        kept = true;
        silence();
        mediaRecorderRef.current = recorder;
        recorder.restartClock();
        setIsRecording(true);
        changeStatus("recording");
      });
      recorder.start().catch(() => {});
      return () => kept || recorder.cancel();
    }, [status, props.bargeIn, changeStatus, newRecorder, silence]);

    useEffect(() => () => mediaRecorderRef.current && mediaRecorderRef.current.cancel(), []);

    const sources = (response && response.sources) || [];
    return h(
      "div",
      { className: props.className, style: styles.root, "data-status": status, "data-error-kind": error ? error.kind : "" },
      h(
        "div",
        { style: styles.row },
        h(
          "button",
          {
            type: "button",
            onClick: toggle,
            style: styles.button(isRecording),
            "aria-pressed": isRecording,
            "aria-label": isRecording ? "Stop recording and send the question" : "Start recording your question",
          },
          isRecording ? "■" : "🎤",
        ),
        h(
          "div",
          { style: styles.meter },
          isRecording &&
            h("div", { style: styles.level, "aria-hidden": true, "data-level": level.toFixed(3) }, h("div", { style: styles.fill(level) })),
          h(
            "div",
            { role: "status", "aria-live": "polite", style: styles.status(Boolean(error)), className: "voice-status" },
            error ? describeError(error) : STATUS_TEXT[status],
          ),
        ),
      ),
      h(
        "div",
        { "aria-live": "polite" },
        transcript && h("p", { style: styles.transcript, className: "voice-transcript" }, transcript),
        response && h("p", { style: styles.response, className: "voice-response" }, response.response_text),
      ),
      sources.length > 0 &&
        h(
          "ul",
          { style: styles.sources, "aria-label": "Sources" },
          sources.map((source, index) =>
            h("li", { key: index, title: source.text }, source.source, source.heading ? ` — ${source.heading}` : ""),
          ),
        ),
      h("audio", {
        ref: audioPlayerRef,
        hidden: true,
        preload: "auto",
        onEnded: () => playNext() || (statusRef.current === "speaking" && changeStatus("idle")),
        onPause: () => statusRef.current === "speaking" && changeStatus("idle"),
      }),
    );
  }

  return VoiceMicReact;
}

let hostComponent = null;

/** The component on the page's global React (React 18's UMD build), bound on first render. */
export function VoiceMicReact(props) {
  if (!hostComponent) {
    if (!globalThis.React) throw new Error("VoiceMicReact needs React on the page, or use createVoiceMicReact(React).");
    hostComponent = createVoiceMicReact(globalThis.React);
  }
  return hostComponent(props);
}

export default VoiceMicReact;
