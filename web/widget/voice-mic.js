/*
 * <voice-mic>: a microphone button that asks the voice gateway a spoken question and shows (and plays) the answer.
 * No dependencies and no build step. Load it as a classic script or as a module:
 *   <script src="https://gateway/widget/voice-mic.js" defer></script>
 *   <voice-mic api-url="https://gateway" api-key="…"></voice-mic>
 * It also publishes its recorder and client as window.VoiceMic so that voice-mic-react.js shares them.
 * Kept a classic script (no `export`) because a classic <script> loads from another origin without CORS headers.
 */
(function () {
  "use strict";

  const TARGET_RATE = 16000;
  const FRAME_MS = 20;
  const HOLD_MS = 400; // a press longer than this is push-to-talk: releasing the button stops the recording
  // Barge-in: speech must last this long to cut off an answer (a click, a cough or a leak of the answer is shorter),
  // and this much audio before it is kept, so the question's first word reaches speech recognition whole.
  const SPEECH_MS = 200;
  const PRE_ROLL_MS = 600;

  // The capture processor runs in the audio thread; it only copies blocks out, the main thread does the rest.
  const CAPTURE_WORKLET = `
    class VoiceMicCapture extends AudioWorkletProcessor {
      process(inputs) {
        const channel = inputs[0] && inputs[0][0];
        if (channel) this.port.postMessage(channel.slice(0));
        return true;
      }
    }
    registerProcessor("voice-mic-capture", VoiceMicCapture);`;

  /** An error the user can act on; `kind` selects the state and the explanation shown. */
  class VoiceMicError extends Error {
    constructor(kind, message, extra = {}) {
      super(message);
      this.name = "VoiceMicError";
      this.kind = kind;
      Object.assign(this, extra);
    }
    get detail() {
      const { kind, message, code, stage, status } = this;
      return { kind, message, code, stage, status };
    }
  }

  const MIC_MESSAGES = {
    "permission-denied":
      "Microphone access is blocked. Allow it in the browser: click the lock or camera icon in the address bar, " +
      "set Microphone to Allow for this site, then press the button again.",
    "no-microphone": "No microphone was found. Connect one (or enable it in the system settings) and try again.",
    "mic-busy": "The microphone is in use by another application or could not be started. Close it and try again.",
    unsupported:
      "This page cannot use the microphone: it needs a secure page (https:// or localhost) and a current browser.",
  };

  function microphoneError(error) {
    switch (error && error.name) {
      case "NotAllowedError":
      case "SecurityError":
      case "PermissionDeniedError":
        return new VoiceMicError("permission-denied", MIC_MESSAGES["permission-denied"]);
      case "NotFoundError":
      case "DevicesNotFoundError":
      case "OverconstrainedError":
        return new VoiceMicError("no-microphone", MIC_MESSAGES["no-microphone"]);
      case "NotReadableError":
      case "TrackStartError":
      case "AbortError":
        return new VoiceMicError("mic-busy", MIC_MESSAGES["mic-busy"]);
      default:
        return new VoiceMicError("unsupported", `${MIC_MESSAGES.unsupported} (${error && error.message})`);
    }
  }

  /** 16-bit PCM mono WAV: what the STT service reads without any decoder. */
  function encodeWAV(samples, sampleRate) {
    const buffer = new ArrayBuffer(44 + samples.length * 2);
    const view = new DataView(buffer);
    const ascii = (offset, text) => [...text].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
    ascii(0, "RIFF");
    view.setUint32(4, 36 + samples.length * 2, true);
    ascii(8, "WAVE");
    ascii(12, "fmt ");
    view.setUint32(16, 16, true);
    view.setUint16(20, 1, true); // PCM
    view.setUint16(22, 1, true); // mono
    view.setUint32(24, sampleRate, true);
    view.setUint32(28, sampleRate * 2, true);
    view.setUint16(32, 2, true);
    view.setUint16(34, 16, true);
    ascii(36, "data");
    view.setUint32(40, samples.length * 2, true);
    for (let i = 0; i < samples.length; i++) {
      const s = Math.max(-1, Math.min(1, samples[i]));
      view.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
    }
    return new Blob([buffer], { type: "audio/wav" });
  }

  /**
   * Downsamples by averaging each output sample's input span: a box low-pass that is enough against aliasing
   * for speech going to Whisper, and needs no filter design.
   */
  function resample(chunks, fromRate, toRate) {
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const input = new Float32Array(total);
    let offset = 0;
    for (const c of chunks) {
      input.set(c, offset);
      offset += c.length;
    }
    if (fromRate === toRate) return input;
    const ratio = fromRate / toRate;
    const output = new Float32Array(Math.floor(total / ratio));
    for (let i = 0; i < output.length; i++) {
      const start = Math.floor(i * ratio);
      const end = Math.max(start + 1, Math.min(total, Math.floor((i + 1) * ratio)));
      let sum = 0;
      for (let j = start; j < end; j++) sum += input[j];
      output[i] = sum / (end - start);
    }
    return output;
  }

  /**
   * Energy-based voice activity: a frame is speech when its RMS clears both an absolute floor and a multiple of
   * the quietest level seen so far (the room's noise). After speech, `silenceMs` of non-speech ends the turn.
   */
  class SilenceDetector {
    constructor(silenceMs) {
      this.silenceMs = silenceMs;
      this.noise = Infinity;
      this.heardSpeech = false;
      this.quietMs = 0;
      this.speechRunMs = 0; // speech without a break so far: a click or a cough is short, a word is not
    }
    /** Returns true when the speaker has finished. */
    push(rms, frameMs) {
      this.noise = Math.min(this.noise * 1.002 + 1e-6, Math.max(rms, 1e-4));
      const speech = rms > Math.max(0.01, this.noise * 3);
      if (speech) {
        this.heardSpeech = true;
        this.quietMs = 0;
        this.speechRunMs += frameMs;
      } else {
        this.speechRunMs = 0;
        if (this.heardSpeech) this.quietMs += frameMs;
      }
      return this.silenceMs > 0 && this.heardSpeech && this.quietMs >= this.silenceMs;
    }
  }

  /**
   * Records one utterance. PCM through an AudioWorklet gives a 16 kHz mono WAV; where there is no AudioWorklet
   * (old browsers), MediaRecorder's own format is sent and the STT service decodes it.
   * Callbacks: onLevel(0…1), onAutoStop(reason) where reason is "silence" or "max-seconds".
   * With onSpeech it first only listens (barge-in while an answer plays): it keeps no more than the last
   * PRE_ROLL_MS of audio until someone has spoken for SPEECH_MS without a break, then calls onSpeech once; the
   * caller keeps it as the question's recording (restartClock), so the first word is not lost.
   */
  class VoiceRecorder {
    constructor({ maxSeconds = 15, silenceMs = 1200, onLevel = () => {}, onAutoStop = () => {}, onSpeech = null } = {}) {
      Object.assign(this, { maxSeconds, silenceMs, onLevel, onAutoStop, onSpeech });
      this.chunks = [];
      this.mode = null;
      this.startedAt = 0;
    }

    async start() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        throw new VoiceMicError("unsupported", MIC_MESSAGES.unsupported);
      }
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({
          audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true },
        });
      } catch (error) {
        throw microphoneError(error);
      }
      this.chunks = [];
      this.detector = new SilenceDetector(this.silenceMs);
      this.frame = { sum: 0, count: 0 };
      this.startedAt = performance.now();
      const AudioContextClass = window.AudioContext || window.webkitAudioContext;
      this.context = AudioContextClass ? new AudioContextClass() : null;
      if (this.context && this.context.state === "suspended") await this.context.resume();
      this.source = this.context && this.context.createMediaStreamSource(this.stream);
      try {
        await this.startWorklet();
      } catch (error) {
        this.startMediaRecorder();
      }
      // A recorder that only listens has no limit yet: its question starts when someone speaks.
      if (!this.onSpeech) this.restartClock();
    }

    async startWorklet() {
      if (!this.context || !this.context.audioWorklet) throw new Error("no AudioWorklet");
      const url = URL.createObjectURL(new Blob([CAPTURE_WORKLET], { type: "text/javascript" }));
      try {
        await this.context.audioWorklet.addModule(url);
      } finally {
        URL.revokeObjectURL(url);
      }
      this.node = new AudioWorkletNode(this.context, "voice-mic-capture", { numberOfInputs: 1, numberOfOutputs: 0 });
      this.node.port.onmessage = (event) => {
        this.chunks.push(event.data);
        if (this.onSpeech) {
          let kept = this.chunks.reduce((n, c) => n + c.length, 0);
          const limit = (this.context.sampleRate * PRE_ROLL_MS) / 1000;
          while (kept - this.chunks[0].length > limit) kept -= this.chunks.shift().length;
        }
        this.measure(event.data);
      };
      this.source.connect(this.node);
      this.mode = "wav";
    }

    startMediaRecorder() {
      if (!window.MediaRecorder) throw new VoiceMicError("unsupported", MIC_MESSAGES.unsupported);
      const type = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"].find((t) =>
        MediaRecorder.isTypeSupported(t),
      );
      this.recorder = new MediaRecorder(this.stream, type ? { mimeType: type } : undefined);
      this.recorder.ondataavailable = (event) => event.data.size && this.chunks.push(event.data);
      this.recorder.start(250);
      this.mode = "media-recorder";
      if (this.source) {
        // Level and silence still come from the signal, read through an analyser.
        this.analyser = this.context.createAnalyser();
        this.analyser.fftSize = 1024;
        this.source.connect(this.analyser);
        const block = new Float32Array(this.analyser.fftSize);
        this.analyserTimer = setInterval(() => {
          this.analyser.getFloatTimeDomainData(block);
          this.measure(block);
        }, FRAME_MS);
      }
    }

    measure(block) {
      const frameLength = ((this.context ? this.context.sampleRate : 48000) * FRAME_MS) / 1000;
      for (let i = 0; i < block.length; i++) this.frame.sum += block[i] * block[i];
      this.frame.count += block.length;
      if (this.frame.count < frameLength) return;
      const rms = Math.sqrt(this.frame.sum / this.frame.count);
      this.frame = { sum: 0, count: 0 };
      // Speech sits around -40…-10 dBFS; map that range onto the meter.
      this.onLevel(Math.max(0, Math.min(1, (20 * Math.log10(rms + 1e-9) + 60) / 50)));
      if (this.detector.push(rms, FRAME_MS)) this.onAutoStop("silence");
      if (this.onSpeech && this.detector.speechRunMs >= SPEECH_MS) {
        const onSpeech = this.onSpeech;
        this.onSpeech = null;
        onSpeech();
      }
    }

    /** Starts the question's clock (and its max-seconds limit) now: for a recorder that was only listening. */
    restartClock() {
      clearTimeout(this.maxTimer);
      this.startedAt = performance.now();
      this.maxTimer = setTimeout(() => this.onAutoStop("max-seconds"), this.maxSeconds * 1000);
    }

    get elapsedSeconds() {
      return this.startedAt ? (performance.now() - this.startedAt) / 1000 : 0;
    }

    get heardSpeech() {
      return Boolean(this.detector && this.detector.heardSpeech);
    }

    /** Stops the microphone and returns the recording as a Blob. */
    async stop() {
      clearTimeout(this.maxTimer);
      clearInterval(this.analyserTimer);
      let blob;
      if (this.mode === "media-recorder") {
        if (this.recorder.state !== "inactive") {
          const stopped = new Promise((resolve) => (this.recorder.onstop = resolve));
          this.recorder.stop();
          await stopped;
        }
        blob = new Blob(this.chunks, { type: this.recorder.mimeType || "audio/webm" });
      } else if (this.mode === "wav") {
        this.node.port.onmessage = null;
        this.source.disconnect();
        blob = encodeWAV(resample(this.chunks, this.context.sampleRate, TARGET_RATE), TARGET_RATE);
      }
      this.cancel();
      return blob;
    }

    /** Releases the microphone without producing a recording. */
    cancel() {
      clearTimeout(this.maxTimer);
      clearInterval(this.analyserTimer);
      if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
      if (this.context && this.context.state !== "closed") this.context.close();
      this.stream = null;
      this.context = null;
      this.onLevel(0);
    }
  }

  /**
   * Plays a streamed answer's 16-bit PCM pieces (`audio` events) back to back on Web Audio, each as soon as it
   * arrives: the answer starts with its first quarter second, not its first whole sentence, and sentences join
   * without the gap a new <audio> source leaves.
   */
  class PcmPlayer {
    constructor({ onPlaying = () => {}, onDrained = () => {} } = {}) {
      Object.assign(this, { onPlaying, onDrained });
      this.context = null;
      this.sources = new Set();
      this.endsAt = 0;
    }

    static get supported() {
      return Boolean(window.AudioContext || window.webkitAudioContext);
    }

    get playing() {
      return this.sources.size > 0;
    }

    /**
     * Creates or resumes the audio context. Called from the user's press too: a context started there may play
     * later, in every browser, while one first made when the answer arrives may be held silent (Safari).
     */
    unlock() {
      if (!this.context) this.context = new (window.AudioContext || window.webkitAudioContext)();
      if (this.context.state === "suspended") this.context.resume().catch(() => {});
      return this.context;
    }

    /** Queues one piece: base64 of little-endian 16-bit mono samples at `sampleRate`. */
    play(base64, sampleRate) {
      const context = this.unlock();
      const binary = atob(base64);
      const count = binary.length >> 1;
      if (!count) return;
      const buffer = context.createBuffer(1, count, sampleRate);
      const channel = buffer.getChannelData(0);
      for (let i = 0; i < count; i++) {
        const value = binary.charCodeAt(2 * i) | (binary.charCodeAt(2 * i + 1) << 8);
        channel[i] = (value >= 0x8000 ? value - 0x10000 : value) / 32768;
      }
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(context.destination);
      const startsAt = Math.max(context.currentTime, this.endsAt);
      const starting = !this.playing;
      source.start(startsAt);
      this.endsAt = startsAt + buffer.duration;
      this.sources.add(source);
      source.onended = () => {
        this.sources.delete(source);
        if (!this.playing) this.onDrained();
      };
      if (starting) setTimeout(() => this.onPlaying(), Math.max(0, (startsAt - context.currentTime) * 1000));
    }

    stop() {
      for (const source of this.sources) {
        source.onended = null;
        try {
          source.stop();
        } catch (error) {
          // never started: nothing to stop
        }
      }
      this.sources.clear();
      this.endsAt = 0;
    }
  }

  /** Talks to the gateway; every failure becomes a VoiceMicError of kind network or server. */
  class VoiceClient {
    constructor({ apiUrl = "", apiKey = "", token = "", lang = "", sessionId = "", history = [], timeoutSeconds = 90,
                  streamAudio = false } = {}) {
      // streamAudio: a streamed answer also carries its samples as `audio` events, for a PcmPlayer.
      Object.assign(this, { apiKey, token, lang, sessionId, history, timeoutSeconds, streamAudio });
      // Without api-url the gateway is the page's own origin; a path in api-url (a proxy prefix) is kept.
      const base = new URL(apiUrl || "/", window.location.href);
      if (!base.pathname.endsWith("/")) base.pathname += "/";
      this.base = base;
    }

    endpoint(path) {
      return new URL(path, this.base);
    }

    headers() {
      const headers = {};
      if (this.token) headers["Authorization"] = `Bearer ${this.token}`;
      else if (this.apiKey) headers["X-API-Key"] = this.apiKey;
      return headers;
    }

    /**
     * Asks with a recording. With `onEvent`, the answer streams: onEvent receives {type: "transcript", text},
     * {type: "audio", index, sample_rate, pcm} (with streamAudio) and {type: "sentence", index, text, audio_url} as
     * they come, and the promise resolves with the final answer.
     */
    async askAudio(blob, onEvent) {
      const form = new FormData();
      const extension = (blob.type.split("/")[1] || "wav").split(";")[0];
      form.append("audio", blob, `question.${extension}`);
      if (this.lang) form.append("language", this.lang);
      if (this.sessionId) form.append("session_id", this.sessionId);
      if (this.history.length) form.append("history", JSON.stringify(this.history));
      return this.post("voice/query", { body: form, headers: this.headers() }, onEvent);
    }

    async askText(query, onEvent) {
      const body = { query };
      if (this.lang) body.language = this.lang;
      if (this.sessionId) body.session_id = this.sessionId;
      if (this.history.length) body.history = this.history;
      const headers = { ...this.headers(), "Content-Type": "application/json" };
      return this.post("text/query", { body: JSON.stringify(body), headers }, onEvent);
    }

    /** Tells the gateway when the answer was first heard (fire and forget: a lost report costs nothing). */
    reportFirstAudio(ms) {
      const headers = { ...this.headers(), "Content-Type": "application/json" };
      fetch(this.endpoint("client-metrics"), {
        method: "POST", headers, body: JSON.stringify({ first_audio_ms: Math.round(ms) }), keepalive: true,
      }).catch(() => {});
    }

    /** Aborts the question in flight: the gateway stops its answer, and the model its generation. */
    abort() {
      this.aborted = true;
      if (this.inFlight) this.inFlight.abort();
    }

    async post(path, init, onEvent) {
      const url = this.endpoint(path);
      const abort = new AbortController();
      this.inFlight = abort;
      const timer = setTimeout(() => abort.abort(), this.timeoutSeconds * 1000);
      const failure = () =>
        abort.signal.aborted
          ? new VoiceMicError("network", `The voice service at ${url.origin} did not answer within ${this.timeoutSeconds} s.`)
          : new VoiceMicError("network",
              `Cannot reach the voice service at ${url.origin}. Check your connection, or that the service is running.`);
      if (onEvent) init = { ...init, headers: { ...init.headers, Accept: "text/event-stream, application/json" } };
      if (onEvent && this.streamAudio) url.searchParams.set("audio", "pcm");
      let response;
      try {
        response = await fetch(url, { method: "POST", ...init, signal: abort.signal });
        if (response.ok && (response.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
          return this.absolute(await readEvents(response, onEvent));
        }
      } catch (error) {
        throw error instanceof VoiceMicError ? error : failure();
      } finally {
        clearTimeout(timer);
      }
      let payload = null;
      try {
        payload = await response.json();
      } catch (error) {
        payload = null;
      }
      if (!response.ok) {
        const detail = (payload && payload.error) || {};
        throw new VoiceMicError("server", detail.message || `The voice service answered ${response.status}.`, {
          code: detail.code,
          stage: detail.stage,
          status: response.status,
        });
      }
      if (!payload || typeof payload !== "object") {
        throw new VoiceMicError("server", "The voice service sent an answer that is not JSON.", {
          status: response.status,
        });
      }
      return this.absolute(payload);
    }

    /** audio_url is relative to the gateway; the page may live elsewhere. */
    absolute(payload) {
      if (payload.audio_url) payload.audio_url = new URL(payload.audio_url, this.base).href;
      return payload;
    }
  }

  /**
   * Reads a text/event-stream answer: hands `transcript`, `audio` and `sentence` events to onEvent (audio URLs made
   * absolute) and returns the `done` payload; an `error` event throws the server's message.
   */
  async function readEvents(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) name = line.slice(7);
          if (line.startsWith("data: ")) data += line.slice(6);
        }
        const value = JSON.parse(data);
        if (name === "done") return value;
        if (name === "error") {
          const detail = value.error || {};
          throw new VoiceMicError("server", detail.message || "The voice service failed.", {
            code: detail.code,
            stage: detail.stage,
          });
        }
        if (name === "sentence") value.audio_url = new URL(value.audio_url, response.url).href;
        onEvent({ type: name, ...value });
      }
    }
    throw new VoiceMicError("server", "The voice service ended its answer early.");
  }

  const STATUS_TEXT = {
    idle: "Press the button and ask a question.",
    requesting: "Waiting for microphone permission…",
    recording: "Listening… press again or pause to finish.",
    processing: "Thinking…",
    speaking: "Speaking the answer…",
  };

  /** The status line for an error: its kind, and the stage and message the server gave. */
  function describeError(error) {
    switch (error.kind) {
      case "network":
        return `Network error: ${error.message}`;
      case "server":
        return `Server error${error.stage ? ` (${error.stage})` : ""}: ${error.message}`;
      default:
        return error.message;
    }
  }

  const TEMPLATE = `
    <style>
      :host {
        --_accent: var(--voice-mic-accent, #2563eb);
        --_fg: var(--voice-mic-fg, #111827);
        --_bg: var(--voice-mic-bg, #ffffff);
        --_muted: var(--voice-mic-muted, #6b7280);
        --_error: var(--voice-mic-error, #b91c1c);
        --_recording: var(--voice-mic-recording, #dc2626);
        --_size: var(--voice-mic-size, 64px);
        display: block;
        font: var(--voice-mic-font, 15px/1.45 system-ui, sans-serif);
        color: var(--_fg);
        background: var(--_bg);
        border-radius: var(--voice-mic-radius, 12px);
        padding: var(--voice-mic-padding, 16px);
        max-width: var(--voice-mic-max-width, 40rem);
      }
      .row { display: flex; align-items: center; gap: 14px; }
      button.mic {
        position: relative; flex: none; width: var(--_size); height: var(--_size); border-radius: 50%;
        border: none; cursor: pointer; background: var(--_accent); color: #fff; touch-action: none;
        display: grid; place-items: center; transition: background .15s, transform .1s;
      }
      button.mic svg { width: 45%; height: 45%; fill: currentColor; }
      button.mic:focus-visible { outline: 3px solid var(--voice-mic-focus, #f59e0b); outline-offset: 3px; }
      button.mic:active { transform: scale(.96); }
      :host([state="recording"]) button.mic { background: var(--_recording); }
      :host([state="processing"]) button.mic { opacity: .7; cursor: progress; }
      .ring {
        position: absolute; inset: -6px; border-radius: 50%; pointer-events: none;
        border: 3px solid var(--_recording); opacity: 0;
        transform: scale(calc(1 + var(--level, 0) * .35)); transition: transform 60ms linear;
      }
      :host([state="recording"]) .ring { opacity: .6; }
      .meter { flex: 1; min-width: 0; }
      .level { height: 6px; border-radius: 3px; background: color-mix(in srgb, var(--_muted) 25%, transparent);
        overflow: hidden; visibility: hidden; margin-bottom: 6px; }
      :host([state="recording"]) .level { visibility: visible; }
      .level > div { height: 100%; width: calc(var(--level, 0) * 100%); background: var(--_recording);
        transition: width 60ms linear; }
      .status { color: var(--_muted); min-height: 1.45em; }
      :host([state="error"]) .status { color: var(--_error); font-weight: 600; }
      .transcript, .response { margin: 12px 0 0; }
      .transcript:empty, .response:empty, .sources:empty { display: none; }
      .transcript::before { content: var(--voice-mic-you-label, "You: "); color: var(--_muted); }
      .transcript { font-style: italic; }
      .response { white-space: pre-wrap; }
      .sources { margin: 8px 0 0; padding: 0; list-style: none; font-size: .82em; color: var(--_muted);
        display: flex; flex-wrap: wrap; gap: 4px 10px; }
      .sources li::before { content: "▸ "; }
      .sources .heading { color: var(--_fg); }
      .sources q { color: var(--_fg); }
      .replay { margin-top: 8px; font: inherit; font-size: .85em; background: none; border: 1px solid var(--_muted);
        color: var(--_fg); border-radius: 6px; padding: 2px 10px; cursor: pointer; }
      .replay:focus-visible { outline: 3px solid var(--voice-mic-focus, #f59e0b); outline-offset: 2px; }
      .replay[hidden] { display: none; }
    </style>
    <div class="row">
      <button class="mic" part="button" type="button" aria-label="Start recording your question">
        <span class="ring" part="ring"></span>
        <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 15a3 3 0 0 0 3-3V6a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-2.08A7 7 0 0 0 19 12h-2z"/></svg>
      </button>
      <div class="meter">
        <div class="level" part="level" aria-hidden="true"><div></div></div>
        <div class="status" part="status" role="status" aria-live="polite"></div>
      </div>
    </div>
    <div aria-live="polite" aria-atomic="false">
      <p class="transcript" part="transcript"></p>
      <p class="response" part="response"></p>
    </div>
    <ul class="sources" part="sources" aria-label="Sources"></ul>
    <button class="replay" part="replay" type="button" hidden>▶ Play the answer</button>
    <audio part="audio" preload="auto" hidden></audio>`;

  class VoiceMicElement extends HTMLElement {
    static get observedAttributes() {
      return ["api-url", "api-key", "token", "lang", "max-seconds", "silence-ms", "session-id"];
    }

    constructor() {
      super();
      const root = this.attachShadow({ mode: "open" });
      root.innerHTML = TEMPLATE;
      this.button = root.querySelector("button.mic");
      this.statusLine = root.querySelector(".status");
      this.transcriptView = root.querySelector(".transcript");
      this.responseView = root.querySelector(".response");
      this.sourcesView = root.querySelector(".sources");
      this.replayButton = root.querySelector(".replay");
      this.audio = root.querySelector("audio");
      this.state = "idle";
      this.lastResponse = null;
      this.lastError = null;
      this.bindInteraction();
      this.audio.addEventListener("ended", () => this.state === "speaking" && this.setState("idle"));
      this.audio.addEventListener("pause", () => this.state === "speaking" && this.setState("idle"));
      // A streamed answer's sentences play one after another on their own player while later ones arrive.
      this.sentencePlayer = new Audio();
      this.sentenceQueue = [];
      this.sentencePlayer.addEventListener("ended", () => this.playNextSentence());
      // With auto-play and Web Audio, streamed answers are played from their samples as they come.
      this.pcmPlayer = new PcmPlayer({
        onPlaying: () => this.heardFirstAudio(),
        onDrained: () => !this.sentencePlaying && this.finishSpeaking(),
      });
      for (const player of [this.sentencePlayer, this.audio]) player.addEventListener("playing", () => this.heardFirstAudio());
      this.replayButton.addEventListener("click", () => this.playAnswer());
    }

    connectedCallback() {
      if (!this.hasAttribute("state")) this.setState("idle");
      document.addEventListener("keydown", this.onHotkeyDown);
      document.addEventListener("keyup", this.onHotkeyUp);
    }

    disconnectedCallback() {
      document.removeEventListener("keydown", this.onHotkeyDown);
      document.removeEventListener("keyup", this.onHotkeyUp);
      if (this.recorder) this.recorder.cancel();
      this.stopListeningForBargeIn();
      this.silence();
    }

    /**
     * The conversation of this page session: an id and the last turns, kept in sessionStorage so that a follow-up
     * ("And for children?") is answered about the earlier question, by whichever gateway replica gets it.
     */
    conversation() {
      const key = "voice-mic-conversation";
      // A question asked long after the last one starts a new topic: the old turns would only mislead retrieval.
      const lapse = this.numberAttribute("conversation-minutes", 30, 1, 1440) * 60000;
      try {
        const stored = JSON.parse(sessionStorage.getItem(key) || "null");
        if (stored && stored.id && Array.isArray(stored.turns)) {
          if (!(Date.now() - (stored.updated || 0) <= lapse)) stored.turns = [];
          return stored;
        }
      } catch (error) {
        // Storage blocked or corrupt: a fresh conversation.
      }
      const fresh = { id: (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()), turns: [], updated: Date.now() };
      this.saveConversation(fresh);
      return fresh;
    }

    saveConversation(conversation) {
      try {
        sessionStorage.setItem("voice-mic-conversation", JSON.stringify(conversation));
      } catch (error) {
        // Without storage each question stands alone.
      }
    }

    remember(answer) {
      if (!answer.transcript || !answer.response_text) return;
      const conversation = this.conversation();
      conversation.turns.push({ role: "user", content: answer.transcript }, { role: "assistant", content: answer.response_text });
      conversation.turns = conversation.turns.slice(-6);
      conversation.updated = Date.now();
      this.saveConversation(conversation);
    }

    /** Starts a new conversation: the next question stands alone. */
    startOver() {
      this.saveConversation({ ...this.conversation(), turns: [] });
      this.emit("voice-conversation", { turns: 0 });
    }

    /** The figure users feel: end of the question → the answer actually playing, reported once per question. */
    heardFirstAudio() {
      if (this.askedAt === null || this.askedAt === undefined) return;
      const ms = performance.now() - this.askedAt;
      this.askedAt = null;
      this.dataset.firstAudioMs = String(Math.round(ms));
      this.emit("voice-first-audio", { ms: Math.round(ms) });
      if (this.activeClient || this.lastClient) (this.activeClient || this.lastClient).reportFirstAudio(ms);
    }

    /** Stops whatever is being said: the answer's file, or the streamed sentences and those still to come. */
    silence() {
      this.audio.pause();
      this.sentenceQueue = [];
      this.sentencePlayer.pause();
      this.sentencePlaying = false;
      this.pcmPlayer.stop();
      if (this.activeClient) this.activeClient.abort();
    }

    /** A streamed answer has been said to its end once nothing plays and nothing more is coming. */
    finishSpeaking() {
      if (this.state === "speaking" && this.streamFinished && !this.pcmPlayer.playing) this.setState("idle");
    }

    playNextSentence() {
      const next = this.sentenceQueue.shift();
      if (!next) {
        this.sentencePlaying = false;
        this.finishSpeaking();
        return;
      }
      this.sentencePlaying = true;
      this.sentencePlayer.src = next;
      this.setState("speaking");
      this.sentencePlayer.play().catch(() => {
        // Autoplay blocked: the text is on screen, and the whole answer can be replayed when it is done.
        this.sentenceQueue = [];
        this.sentencePlaying = false;
      });
    }

    get apiUrl() {
      return this.getAttribute("api-url") || "";
    }

    /** A recorder with this element's limits; it ends the question only while it is the one recording. */
    newRecorder(onSpeech = null) {
      const recorder = new VoiceRecorder({
        maxSeconds: this.numberAttribute("max-seconds", 15, 1, 300),
        silenceMs: this.numberAttribute("silence-ms", 1200, 0, 10000),
        onLevel: (level) => {
          this.style.setProperty("--level", level.toFixed(3));
          this.dataset.level = level.toFixed(3);
        },
        onAutoStop: (reason) => this.state === "recording" && this.recorder === recorder && this.stop(reason),
        onSpeech,
      });
      return recorder;
    }

    /**
     * With `barge-in`, the microphone listens while an answer plays: speech stops the answer, aborts its request
     * and becomes the next question, recorded from just before the first word.
     */
    listenForBargeIn() {
      if (!this.hasAttribute("barge-in") || this.bargeInRecorder) return;
      const recorder = this.newRecorder(() => {
        if (this.bargeInRecorder !== recorder || this.state !== "speaking") return;
        this.bargeInRecorder = null;
        this.silence();
        this.recorder = recorder;
        recorder.restartClock();
        this.recordingTimer = setInterval(() => this.showRecordingTime(), 250);
        this.setState("recording", { mode: recorder.mode, reason: "barge-in" });
      });
      this.bargeInRecorder = recorder;
      recorder.start().then(
        () => this.bargeInRecorder !== recorder && recorder.cancel(),
        () => this.bargeInRecorder === recorder && (this.bargeInRecorder = null),
      );
    }

    stopListeningForBargeIn() {
      if (this.bargeInRecorder) this.bargeInRecorder.cancel();
      this.bargeInRecorder = null;
    }

    /** Starts a recording (what a click does when idle, or while an answer plays: barge-in). */
    async start() {
      if (this.state === "recording" || this.state === "requesting" || this.state === "processing") return;
      this.silence();
      this.setState("requesting");
      const recorder = this.newRecorder();
      this.recorder = recorder;
      try {
        await recorder.start();
      } catch (error) {
        this.recorder = null;
        return this.fail(error);
      }
      if (this.recorder !== recorder) return recorder.cancel();
      this.recordingTimer = setInterval(() => this.showRecordingTime(), 250);
      this.setState("recording", { mode: recorder.mode });
    }

    /** Ends the recording and asks the gateway. */
    async stop(reason = "user") {
      if (this.state !== "recording" || !this.recorder) return;
      clearInterval(this.recordingTimer);
      const recorder = this.recorder;
      this.recorder = null;
      this.setState("processing", { reason });
      const blob = await recorder.stop();
      this.dataset.uploadBytes = String(blob.size);
      await this.ask((client, onEvent) => client.askAudio(blob, onEvent));
    }

    /** Asks a typed question through POST /text/query and shows the answer the same way. */
    async askText(query) {
      if (this.state === "recording" || this.state === "processing") return;
      if (this.hasAttribute("auto-play") && PcmPlayer.supported) this.pcmPlayer.unlock(); // the page's input is a press
      this.silence(); // a new question cuts off the answer still playing
      this.setState("processing", { reason: "text" });
      await this.ask((client, onEvent) => client.askText(query, onEvent));
    }

    /**
     * Asks and shows the answer as it streams: the transcript at once, each sentence's text as it comes, and with
     * auto-play each sentence's audio in order while the next is still being made.
     */
    async ask(request) {
      let answer;
      let transcriptShown = false;
      let streamedAudio = false;
      const sampled = new Set(); // sentences whose samples came as `audio` events
      this.streamFinished = false;
      this.responseView.textContent = "";
      const client = this.client();
      client.streamAudio = this.hasAttribute("auto-play") && PcmPlayer.supported;
      this.activeClient = client;
      this.lastClient = client;
      this.askedAt = performance.now();
      const onEvent = (event) => {
        if (event.type === "transcript") {
          this.transcriptView.textContent = event.text;
          this.emit("voice-transcript", { transcript: event.text });
          transcriptShown = true;
        } else if (event.type === "audio") {
          streamedAudio = true;
          sampled.add(event.index);
          this.pcmPlayer.play(event.pcm, event.sample_rate);
          if (this.state !== "speaking") this.setState("speaking");
        } else if (event.type === "sentence") {
          this.responseView.textContent = (this.responseView.textContent + " " + event.text).trim();
          this.emit("voice-sentence", { index: event.index, text: event.text, audio_url: event.audio_url });
          if (this.hasAttribute("auto-play") && !sampled.has(event.index)) {
            streamedAudio = true;
            this.sentenceQueue.push(event.audio_url);
            if (!this.sentencePlaying) this.playNextSentence();
          }
        }
      };
      try {
        answer = await request(client, onEvent);
      } catch (error) {
        // Cut off by the user (barge-in): not an error, the next question is theirs, maybe already recording.
        if (client.aborted) return this.state === "speaking" && this.setState("idle");
        return this.fail(error);
      } finally {
        // A newer question may already be in flight: it is the active one now.
        if (this.activeClient === client) this.activeClient = null;
      }
      this.streamFinished = true;
      this.remember(answer);
      this.lastResponse = answer;
      this.lastError = null;
      this.transcriptView.textContent = answer.transcript || "";
      this.responseView.textContent = answer.response_text || "";
      this.renderSources(answer);
      if (answer.transcript && !transcriptShown) this.emit("voice-transcript", { transcript: answer.transcript });
      this.emit("voice-response", answer);
      if (answer.audio_url) {
        this.audio.src = answer.audio_url;
        this.replayButton.hidden = false;
        // Streamed sentences are already playing; the whole file is kept for "Play the answer" again.
        if (streamedAudio) {
          const playing = this.sentencePlaying || this.pcmPlayer.playing;
          if (this.state === "processing" || (this.state === "speaking" && !playing)) this.setState(playing ? "speaking" : "idle");
          return;
        }
        if (this.hasAttribute("auto-play")) return this.playAnswer();
      } else {
        this.audio.removeAttribute("src");
        this.replayButton.hidden = true;
      }
      this.setState("idle", { message: "Answer ready. Press the button to ask another question." });
    }

    async playAnswer() {
      if (!this.audio.src) return;
      this.setState("speaking");
      try {
        this.audio.currentTime = 0;
        await this.audio.play();
      } catch (error) {
        // Autoplay blocked or a bad file: the answer is on screen, the replay button stays.
        this.setState("idle", { message: "Answer ready. Press “Play the answer” to hear it." });
      }
    }

    fail(error) {
      clearInterval(this.recordingTimer);
      if (this.recorder) this.recorder.cancel();
      this.recorder = null;
      const voiceError =
        error instanceof VoiceMicError ? error : new VoiceMicError("server", String((error && error.message) || error));
      this.lastError = voiceError.detail;
      this.setState("error", { error: voiceError.detail });
      this.emit("voice-error", voiceError.detail);
    }

    // The evidence sentences the answer rests on, each with its document and section; older gateways send only
    // the retrieved passages, listed by name with the passage as a tooltip.
    renderSources(answer) {
      const citations = answer.citations || [];
      const items = citations.length
        ? citations.map((citation) => ({
            // A stored answer cites itself: name where it is from without repeating it.
            quote: citation.text === answer.response_text ? "" : citation.text,
            source: citation.title || citation.source,
            heading: citation.heading,
          }))
        : (answer.answer_kind ? [] : (answer.sources || []).map((source) => ({ tooltip: source.text, source: source.source, heading: source.heading })));
      this.sourcesView.replaceChildren(
        ...items.map((entry) => {
          const item = document.createElement("li");
          if (entry.tooltip) item.title = entry.tooltip;
          if (entry.quote) {
            const quote = document.createElement("q");
            quote.textContent = entry.quote;
            item.append(quote, " ");
          }
          const origin = document.createElement("span");
          origin.className = "origin";
          origin.textContent = entry.heading ? `${entry.source || ""} — ` : entry.source || "";
          item.append(origin);
          if (entry.heading) {
            const heading = document.createElement("span");
            heading.className = "heading";
            heading.textContent = entry.heading;
            item.append(heading);
          }
          return item;
        }),
      );
    }

    showRecordingTime() {
      if (!this.recorder) return;
      const max = this.recorder.maxSeconds;
      const elapsed = Math.min(this.recorder.elapsedSeconds, max).toFixed(1);
      this.statusLine.textContent = `Listening… ${elapsed} s of ${max} s. Press again or pause to finish.`;
    }

    setState(state, extra = {}) {
      const previous = this.state;
      this.state = state;
      this.setAttribute("state", state);
      const kind = extra.error ? extra.error.kind : "";
      if (kind) this.setAttribute("error-kind", kind);
      else this.removeAttribute("error-kind");
      this.statusLine.textContent = extra.error ? describeError(extra.error) : extra.message || STATUS_TEXT[state];
      const labels = {
        recording: "Stop recording and send the question",
        processing: "Processing your question",
        speaking: "Stop the answer and ask again",
      };
      this.button.setAttribute("aria-label", labels[state] || "Start recording your question");
      this.button.setAttribute("aria-pressed", String(state === "recording"));
      if (state === "processing") this.button.setAttribute("aria-disabled", "true");
      else this.button.removeAttribute("aria-disabled");
      if (state === "speaking") this.listenForBargeIn();
      else this.stopListeningForBargeIn();
      this.emit("voice-state", { state, previous, ...extra });
    }

    client() {
      return new VoiceClient({
        apiUrl: this.apiUrl,
        apiKey: this.getAttribute("api-key") || "",
        token: this.getAttribute("token") || "",
        lang: this.getAttribute("lang") || "",
        sessionId: this.getAttribute("session-id") || this.conversation().id,
        history: this.conversation().turns,
        timeoutSeconds: this.numberAttribute("timeout-seconds", 90, 1, 600),
      });
    }

    numberAttribute(name, fallback, min, max) {
      const value = Number(this.getAttribute(name));
      return this.hasAttribute(name) && Number.isFinite(value) ? Math.max(min, Math.min(max, value)) : fallback;
    }

    emit(type, detail) {
      this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
    }

    /**
     * One press model for mouse, touch and keys: a press when idle starts recording; a press while recording stops
     * it; releasing a press that started the recording after HOLD_MS stops it too (hold to talk).
     */
    bindInteraction() {
      let pressStartedRecording = false;
      let pressedAt = 0;
      // A press while the answer plays cuts it off (and its request) and listens at once: barge-in.
      const press = () => {
        if (this.hasAttribute("auto-play") && PcmPlayer.supported) this.pcmPlayer.unlock();
        pressedAt = performance.now();
        pressStartedRecording = false;
        if (this.state === "recording") return this.stop();
        if (this.state === "processing" || this.state === "requesting") return;
        pressStartedRecording = true;
        this.start();
      };
      const release = () => {
        if (pressStartedRecording && performance.now() - pressedAt > HOLD_MS) {
          // Permission prompts can outlast the press; only stop what is actually recording.
          if (this.state === "recording") this.stop();
        }
        pressStartedRecording = false;
      };
      // A pointer press is followed by a click; only a click without a press (assistive technology) toggles.
      let pointerPressed = false;
      this.button.addEventListener("pointerdown", (event) => {
        if (event.button !== 0) return;
        event.preventDefault(); // keeps text selection and focus moves out of hold-to-talk
        this.button.focus();
        pointerPressed = true;
        press();
      });
      this.button.addEventListener("pointerup", release);
      this.button.addEventListener("pointercancel", release);
      this.button.addEventListener("click", () => {
        if (pointerPressed) pointerPressed = false;
        else press();
      });
      // Enter and Space act on keydown/keyup (so holding a key is hold-to-talk); preventDefault stops their click.
      const isActivation = (event) => event.key === " " || event.key === "Enter";
      this.button.addEventListener("keydown", (event) => {
        if (!isActivation(event)) return;
        event.preventDefault();
        if (!event.repeat) press();
      });
      this.button.addEventListener("keyup", (event) => {
        if (!isActivation(event)) return;
        event.preventDefault();
        release();
      });
      // The `hotkey` attribute ("Alt+M", "Control+Shift+Space", "F2") presses the button from anywhere on the page,
      // hold-to-talk included. A key without a modifier is left to text fields.
      let hotkeyHeld = false;
      const hotkey = () => {
        const parts = (this.getAttribute("hotkey") || "").toLowerCase().split("+").map((part) => part.trim());
        const key = parts.pop();
        const modifiers = new Set(parts.map((part) => ({ control: "ctrl", cmd: "meta", command: "meta", option: "alt" })[part] || part));
        return { key, modifiers };
      };
      // By the key's name or its place: Alt+M types "µ" on a Mac keyboard, but its code is still "KeyM".
      const isKey = (event, key) => Boolean(key)
        && [event.key, event.code, (event.code || "").replace(/^(Key|Digit)/, "")].some((name) => (name || "").toLowerCase() === key);
      this.onHotkeyDown = (event) => {
        const { key, modifiers } = hotkey();
        if (!isKey(event, key)) return;
        const wanted = ["ctrl", "alt", "shift", "meta"].every((modifier) => event[`${modifier}Key`] === modifiers.has(modifier));
        const target = event.composedPath()[0];
        const typing = target instanceof Element && target.closest("input, textarea, select, [contenteditable]");
        if (!wanted || (modifiers.size === 0 && typing)) return;
        event.preventDefault();
        if (event.repeat || hotkeyHeld) return;
        hotkeyHeld = true;
        press();
      };
      this.onHotkeyUp = (event) => {
        if (!hotkeyHeld || !isKey(event, hotkey().key)) return;
        hotkeyHeld = false;
        release();
      };
    }
  }

  window.VoiceMic = { VoiceRecorder, VoiceClient, PcmPlayer, VoiceMicError, STATUS_TEXT, describeError, encodeWAV, resample };
  if (!customElements.get("voice-mic")) customElements.define("voice-mic", VoiceMicElement);
})();
