#ifndef TSUNAGI_CZEROMQ_SHIM_H
#define TSUNAGI_CZEROMQ_SHIM_H

#include <zmq.h>

#endif
