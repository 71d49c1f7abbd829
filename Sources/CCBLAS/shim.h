// OpenBLAS through its CBLAS header (Debian: libopenblas-dev, openblas-pthread variant).
#include <cblas.h>

// Not declared in every cblas.h; OpenBLAS exports them.
extern char *openblas_get_corename(void);
extern char *openblas_get_config(void);
extern int openblas_get_num_threads(void);
extern void openblas_set_num_threads(int num_threads);

// Allocation policy for the engine's large tensors (glibc): keep freed blocks in the heap instead
// of unmapping them, so reusing memory does not cost fresh zeroed pages. Lives here because the
// engine configures it together with BLAS, and Swift's Glibc module does not expose mallopt.
#include <malloc.h>
static inline void tessera_keep_freed_memory(void) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
}
