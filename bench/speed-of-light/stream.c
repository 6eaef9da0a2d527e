// Memory bandwidth of this machine for README "Why the fused layer stays below 0.15 of the matmul peak": one step of
// the layer at d = 8, level 7, 10 float outputs must read the 5.7 MB coefficient matrix in the forward pass, read it
// again in the backward pass and write the 5.7 MB dL/dC, about 17 MB that no cache of this machine holds between passes.
// This times a 256 MB read (AVX-512 loads, summed), a plain write and a non-temporal write with 1 and 2 threads, so
// the step's traffic floor is 17 MB over the measured rate.
// Build and run:  gcc -O2 -march=native -fopenmp -o /tmp/stream bench/speed-of-light/stream.c && /tmp/stream
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N (64L << 20)   // floats per buffer: 256 MB, far beyond the caches

int main(void)
{
    float *a = aligned_alloc(64, N * sizeof(float)), *b = aligned_alloc(64, N * sizeof(float));
    memset(a, 1, N * sizeof(float));
    memset(b, 1, N * sizeof(float));
    for (int threads = 1; threads <= 2; threads++)
    {
        omp_set_num_threads(threads);
        for (int rep = 0; rep < 3; rep++)
        {
            double t0 = omp_get_wtime();
            float s = 0;
#pragma omp parallel for reduction(+ : s)
            for (long i = 0; i < N; i += 16) s += _mm512_reduce_add_ps(_mm512_load_ps(a + i));
            double t1 = omp_get_wtime();
#pragma omp parallel for
            for (long i = 0; i < N; i += 16) _mm512_store_ps(b + i, _mm512_set1_ps(s));
            double t2 = omp_get_wtime();
#pragma omp parallel for
            for (long i = 0; i < N; i += 16) _mm512_stream_ps(b + i, _mm512_set1_ps(s));
            _mm_sfence();
            double t3 = omp_get_wtime();
            double gb = N * sizeof(float) / 1e9;
            printf("threads %d: read %.1f GB/s, write %.1f GB/s, non-temporal write %.1f GB/s (checksum %g)\n",
                threads, gb / (t1 - t0), gb / (t2 - t1), gb / (t3 - t2), (double)b[N - 1]);
        }
    }
    free(a);
    free(b);
    return 0;
}
