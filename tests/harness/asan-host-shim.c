// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * asan-host-shim.so - preloaded next to the ASan runtime by
 * tests/harness/asan-wrap into programs we do not build (sanitizer phase).
 *
 * Why: with the runtime preloaded (not linked into the program), ASan
 * initialises lazily, on the first malloc().  In programs linked with
 * libp11-kit (p11-kit, p11tool, certtool, curl through GnuTLS) that first
 * malloc() comes from libp11-kit's constructor, inside newlocale(), which
 * holds glibc's locale lock for writing.  Part of ASan's initialisation
 * (Symbolizer::LateInitialize, GCC 12) looks up the optional symbol
 * swift_demangle with dlsym() and clears the failure with dlerror(); the
 * message is translated with dcgettext(), which takes the same locale lock
 * for reading and releases it: the writer's lock is released under
 * newlocale()'s feet and the next newlocale()/freelocale() never returns.
 * With swift_demangle defined here, the dlsym() succeeds, dlerror() has
 * nothing to translate, and the lock is left alone.
 *
 * The demangler itself is never wanted: NULL means "cannot demangle" and
 * ASan keeps the name as it is.
 */

#include <stddef.h>
#include <stdint.h>

char *swift_demangle(const char *mangled, size_t mangled_len, char *out,
                     size_t *out_len, uint32_t flags);

char *
swift_demangle(const char *mangled, size_t mangled_len, char *out,
               size_t *out_len, uint32_t flags)
{
    (void)mangled;
    (void)mangled_len;
    (void)out;
    (void)out_len;
    (void)flags;
    return NULL;
}
