#ifndef TSUNAGI_CZEROMQ_SHIM_H
#define TSUNAGI_CZEROMQ_SHIM_H

#include <zmq.h>
#include <stdio.h>

/* Swift 6 cannot name the C global `stdout`; daemons call this so that logs written to a pipe
   (journald, a test harness) are not lost in a buffer when the process is killed. */
static inline void czmq_line_buffer_stdout(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    setvbuf(stderr, NULL, _IOLBF, 0);
}

#endif
