// OpenBLAS through its CBLAS header (Debian: libopenblas-dev, openblas-pthread variant).
#include <cblas.h>

// Not declared in every cblas.h; OpenBLAS exports them.
extern char *openblas_get_corename(void);
extern char *openblas_get_config(void);
extern int openblas_get_num_threads(void);
extern void openblas_set_num_threads(int num_threads);
