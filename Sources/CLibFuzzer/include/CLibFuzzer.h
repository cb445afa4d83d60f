#ifndef SWITCHBOARD_CLIBFUZZER_H
#define SWITCHBOARD_CLIBFUZZER_H
// The one libFuzzer entry switchboard-fuzz calls by hand (declaration only: nothing here
// is linked unless `make fuzz` builds with -sanitize=fuzzer, which brings compiler-rt's
// libFuzzer). SwiftPM names an executable's main `<module>_main` and points `main` at
// it, so libFuzzer's own main() is never linked; our @main runs the driver instead.
#include <stddef.h>
#include <stdint.h>

/// Parses the libFuzzer flags in argv and fuzzes `callback` (LLVMFuzzerTestOneInput).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
