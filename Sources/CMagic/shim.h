#ifndef SWITCHBOARD_CMAGIC_SHIM_H
#define SWITCHBOARD_CMAGIC_SHIM_H
// libmagic (Debian's libmagic-dev): a file's type from its bytes. Only SwitchboardFiles
// imports this module.
#include <magic.h>
#endif
