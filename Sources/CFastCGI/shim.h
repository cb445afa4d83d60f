#ifndef SWITCHBOARD_CFASTCGI_SHIM_H
#define SWITCHBOARD_CFASTCGI_SHIM_H
// libfcgi's request API. Only the FastCGI target imports this module.
#include <fcgiapp.h>
#endif
