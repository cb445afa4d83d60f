// SwiftPM needs a source file in a C target; the module is its header alone.
#include "CLibFuzzer.h"
