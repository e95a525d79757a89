// Our own declaration of the few ONNX Runtime C API entries the Piper voice and the reranker use (decision 39).
// No registry package ships ONNX Runtime's headers, so the runtime is opened with dlopen and its `OrtApi`
// table, an append-only struct of function pointers, is read by slot. Slots are those of ORT_API_VERSION 24
// (unchanged since version 17 for every slot below); the runtime refuses a version it does not offer.
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef struct OrtApi OrtApi;
typedef struct OrtStatus OrtStatus;
typedef struct OrtEnv OrtEnv;
typedef struct OrtSession OrtSession;
typedef struct OrtSessionOptions OrtSessionOptions;
typedef struct OrtMemoryInfo OrtMemoryInfo;
typedef struct OrtValue OrtValue;
typedef struct OrtTensorTypeAndShapeInfo OrtTensorTypeAndShapeInfo;

typedef struct OrtApiBase {
    const OrtApi *(*GetApi)(uint32_t version);
    const char *(*GetVersionString)(void);
} OrtApiBase;
typedef const OrtApiBase *(*OrtGetApiBaseFunction)(void);

enum {
    VOICE_ORT_API_VERSION = 17,
    VOICE_ORT_LOGGING_LEVEL_ERROR = 3,
    VOICE_ORT_TENSOR_FLOAT = 1,
    VOICE_ORT_TENSOR_INT64 = 7,
    VOICE_ORT_ARENA_ALLOCATOR = 1,
    VOICE_ORT_MEM_TYPE_DEFAULT = 0,
};

// Slot numbers: the position of each function pointer in `struct OrtApi`.
enum {
    VOICE_ORT_SLOT_GetErrorMessage = 2,
    VOICE_ORT_SLOT_CreateEnv = 3,
    VOICE_ORT_SLOT_CreateSession = 7,
    VOICE_ORT_SLOT_CreateSessionFromArray = 8,
    VOICE_ORT_SLOT_Run = 9,
    VOICE_ORT_SLOT_CreateSessionOptions = 10,
    VOICE_ORT_SLOT_SetIntraOpNumThreads = 24,
    VOICE_ORT_SLOT_SetInterOpNumThreads = 25,
    VOICE_ORT_SLOT_CreateTensorWithDataAsOrtValue = 49,
    VOICE_ORT_SLOT_GetTensorMutableData = 51,
    VOICE_ORT_SLOT_GetDimensionsCount = 61,
    VOICE_ORT_SLOT_GetDimensions = 62,
    VOICE_ORT_SLOT_GetTensorTypeAndShape = 65,
    VOICE_ORT_SLOT_CreateCpuMemoryInfo = 69,
    VOICE_ORT_SLOT_ReleaseStatus = 93,
    VOICE_ORT_SLOT_ReleaseMemoryInfo = 94,
    VOICE_ORT_SLOT_ReleaseSession = 95,
    VOICE_ORT_SLOT_ReleaseValue = 96,
    VOICE_ORT_SLOT_ReleaseTensorTypeAndShapeInfo = 99,
    VOICE_ORT_SLOT_ReleaseSessionOptions = 100,
    VOICE_ORT_SLOT_AddSessionConfigEntry = 130,
};

#define VOICE_ORT_FN(api, name, type) ((type)(((void *const *)(api))[VOICE_ORT_SLOT_##name]))

static inline const char *voice_ort_error_message(const OrtApi *api, const OrtStatus *status) {
    return VOICE_ORT_FN(api, GetErrorMessage, const char *(*)(const OrtStatus *))(status);
}
static inline void voice_ort_release_status(const OrtApi *api, OrtStatus *status) {
    VOICE_ORT_FN(api, ReleaseStatus, void (*)(OrtStatus *))(status);
}
static inline OrtStatus *voice_ort_create_env(const OrtApi *api, int level, const char *name, OrtEnv **out) {
    return VOICE_ORT_FN(api, CreateEnv, OrtStatus *(*)(int, const char *, OrtEnv **))(level, name, out);
}
static inline OrtStatus *voice_ort_create_session_options(const OrtApi *api, OrtSessionOptions **out) {
    return VOICE_ORT_FN(api, CreateSessionOptions, OrtStatus *(*)(OrtSessionOptions **))(out);
}
static inline void voice_ort_release_session_options(const OrtApi *api, OrtSessionOptions *options) {
    VOICE_ORT_FN(api, ReleaseSessionOptions, void (*)(OrtSessionOptions *))(options);
}
static inline OrtStatus *voice_ort_set_intra_op_threads(const OrtApi *api, OrtSessionOptions *options, int threads) {
    return VOICE_ORT_FN(api, SetIntraOpNumThreads, OrtStatus *(*)(OrtSessionOptions *, int))(options, threads);
}
static inline OrtStatus *voice_ort_set_inter_op_threads(const OrtApi *api, OrtSessionOptions *options, int threads) {
    return VOICE_ORT_FN(api, SetInterOpNumThreads, OrtStatus *(*)(OrtSessionOptions *, int))(options, threads);
}
static inline OrtStatus *voice_ort_add_session_config(const OrtApi *api, OrtSessionOptions *options,
                                                      const char *key, const char *value) {
    return VOICE_ORT_FN(api, AddSessionConfigEntry,
                        OrtStatus *(*)(OrtSessionOptions *, const char *, const char *))(options, key, value);
}
static inline OrtStatus *voice_ort_create_session(const OrtApi *api, const OrtEnv *env, const char *path,
                                                  const OrtSessionOptions *options, OrtSession **out) {
    return VOICE_ORT_FN(api, CreateSession,
                        OrtStatus *(*)(const OrtEnv *, const char *, const OrtSessionOptions *, OrtSession **))(
        env, path, options, out);
}
static inline OrtStatus *voice_ort_create_session_from_array(const OrtApi *api, const OrtEnv *env, const void *data,
                                                             size_t length, const OrtSessionOptions *options,
                                                             OrtSession **out) {
    return VOICE_ORT_FN(api, CreateSessionFromArray,
                        OrtStatus *(*)(const OrtEnv *, const void *, size_t, const OrtSessionOptions *, OrtSession **))(
        env, data, length, options, out);
}
static inline void voice_ort_release_session(const OrtApi *api, OrtSession *session) {
    VOICE_ORT_FN(api, ReleaseSession, void (*)(OrtSession *))(session);
}
static inline OrtStatus *voice_ort_create_cpu_memory_info(const OrtApi *api, OrtMemoryInfo **out) {
    return VOICE_ORT_FN(api, CreateCpuMemoryInfo, OrtStatus *(*)(int, int, OrtMemoryInfo **))(
        VOICE_ORT_ARENA_ALLOCATOR, VOICE_ORT_MEM_TYPE_DEFAULT, out);
}
static inline void voice_ort_release_memory_info(const OrtApi *api, OrtMemoryInfo *info) {
    VOICE_ORT_FN(api, ReleaseMemoryInfo, void (*)(OrtMemoryInfo *))(info);
}
static inline OrtStatus *voice_ort_create_tensor(const OrtApi *api, const OrtMemoryInfo *info, void *data,
                                                 size_t bytes, const int64_t *shape, size_t rank, int type,
                                                 OrtValue **out) {
    return VOICE_ORT_FN(api, CreateTensorWithDataAsOrtValue,
                        OrtStatus *(*)(const OrtMemoryInfo *, void *, size_t, const int64_t *, size_t, int,
                                       OrtValue **))(info, data, bytes, shape, rank, type, out);
}
static inline void voice_ort_release_value(const OrtApi *api, OrtValue *value) {
    VOICE_ORT_FN(api, ReleaseValue, void (*)(OrtValue *))(value);
}
static inline OrtStatus *voice_ort_run(const OrtApi *api, OrtSession *session, const char *const *input_names,
                                       const OrtValue *const *inputs, size_t input_count,
                                       const char *const *output_names, size_t output_count, OrtValue **outputs) {
    return VOICE_ORT_FN(api, Run,
                        OrtStatus *(*)(OrtSession *, const void *, const char *const *, const OrtValue *const *,
                                       size_t, const char *const *, size_t, OrtValue **))(
        session, NULL, input_names, inputs, input_count, output_names, output_count, outputs);
}
static inline OrtStatus *voice_ort_tensor_data(const OrtApi *api, OrtValue *value, void **out) {
    return VOICE_ORT_FN(api, GetTensorMutableData, OrtStatus *(*)(OrtValue *, void **))(value, out);
}
// A tensor value's dimensions: `rank` of them, at most `capacity` written to `dims`.
static inline OrtStatus *voice_ort_tensor_shape(const OrtApi *api, const OrtValue *value, int64_t *dims,
                                                size_t capacity, size_t *rank) {
    OrtTensorTypeAndShapeInfo *info = NULL;
    OrtStatus *status = VOICE_ORT_FN(api, GetTensorTypeAndShape,
                                     OrtStatus *(*)(const OrtValue *, OrtTensorTypeAndShapeInfo **))(value, &info);
    if (status) return status;
    status = VOICE_ORT_FN(api, GetDimensionsCount, OrtStatus *(*)(const OrtTensorTypeAndShapeInfo *, size_t *))(info, rank);
    if (!status) {
        status = VOICE_ORT_FN(api, GetDimensions, OrtStatus *(*)(const OrtTensorTypeAndShapeInfo *, int64_t *, size_t))(
            info, dims, *rank < capacity ? *rank : capacity);
    }
    VOICE_ORT_FN(api, ReleaseTensorTypeAndShapeInfo, void (*)(OrtTensorTypeAndShapeInfo *))(info);
    return status;
}
