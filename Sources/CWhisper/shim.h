// whisper.cpp's header as installed by scripts/engines.sh, built on llama.cpp's ggml.
#include "../../.deps/prefix/include/whisper.h"
