// llama.cpp's header as installed by scripts/engines.sh; the relative path keeps builds free of env setup.
#include "../../.deps/prefix/include/llama.h"
