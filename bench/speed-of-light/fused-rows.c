// Speed of light of the fused sparse grid layer's per-sample row operations on this machine, for README "Why the
// fused layer stays below 0.15 of the matmul peak": d = 8, level 7 (3,003 subspaces, 141,569 points: the regular
// grid's block sizes 2^(|l|_1 - 8) in storage order), batch 128 at random rows of each block, o = 10 float outputs per
// row (AVX-512, masked), two passes as the layer runs them:
//   forward   acc[b] += w_b C[idx_b]                                     (one row FMA per sample and subspace)
//   backward  block[idx_b] += w_b g[b] (padded per-subspace block, written back after the subspace), q_b = g[b] . C[idx_b]
// Left out on purpose (the real kernel must also do them): the basis products and point indices, the product rule of
// dL/dh, reductions across threads, autograd. So this is a lower bound on the layer's time, not a competitor.
// Blocks are visited in storage order; D > 0 prefetches block s + D at the start of block s.
// Build and run:  gcc -O3 -march=native -fopenmp -o /tmp/fused-rows bench/speed-of-light/fused-rows.c
//                 OMP_WAIT_POLICY=passive /tmp/fused-rows THREADS [D]
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static long binom(int n, int k) { long r = 1; for (int i = 1; i <= k; i++) r = r * (n - k + i) / i; return r; }

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1, D = argc > 2 ? atoi(argv[2]) : 1;
    const int n = 128, o = 10, d = 8, level = 7;
    int S = 0, size[4096];
    for (int L = d; L <= level + d - 1; L++)
        for (long i = 0; i < binom(L - 1, d - 1); i++) size[S++] = 1 << (L - d);
    long *off = malloc((S + 1) * sizeof(long));
    off[0] = 0;
    for (int s = 0; s < S; s++) off[s + 1] = off[s] + size[s];
    long P = off[S];
    float *C = aligned_alloc(64, P * o * 4 + 64), *GC = aligned_alloc(64, P * o * 4 + 64), *g = aligned_alloc(64, n * 64);
    int *idx = malloc((long)S * n * 4);
    float *w = malloc((long)S * n * 4);
    srand(1);
    for (long i = 0; i < P * o; i++) C[i] = rand() / (float)RAND_MAX - 0.5f;
    for (int s = 0; s < S; s++)
        for (int b = 0; b < n; b++) { idx[s * n + b] = off[s] + rand() % size[s]; w[s * n + b] = rand() / (float)RAND_MAX; }
    for (int i = 0; i < n * 16; i++) g[i] = i % 16 < o ? rand() / (float)RAND_MAX : 0;
    __mmask16 m = (1 << o) - 1;
    omp_set_num_threads(threads);
    double best = 1e9, sumF = 0, sumB = 0;
    int reps = 200;
    for (int rep = 0; rep < reps; rep++)
    {
        double t0 = now();
#pragma omp parallel
        {
            float *acc = aligned_alloc(64, n * 64);
            memset(acc, 0, n * 64);
#pragma omp for schedule(dynamic, 188)
            for (int s = 0; s < S; s++)
            {
                if (D && s + D < S)
                    for (long k = 0; k < (long)size[s + D] * o * 4; k += 64) _mm_prefetch((char *)(C + off[s + D] * o) + k, _MM_HINT_T0);
                for (int b = 0; b < n; b++)
                {
                    __m512 c = _mm512_maskz_loadu_ps(m, C + (long)idx[s * n + b] * o);
                    _mm512_store_ps(acc + b * 16, _mm512_fmadd_ps(_mm512_set1_ps(w[s * n + b]), c, _mm512_load_ps(acc + b * 16)));
                }
            }
            free(acc);
        }
        double t1 = now();
#pragma omp parallel
        {
            float *block = aligned_alloc(64, 64 * 64), *q = aligned_alloc(64, n * 4);
#pragma omp for schedule(dynamic, 188)
            for (int s = 0; s < S; s++)
            {
                long first = off[s];
                memset(block, 0, size[s] * 64);
                if (D && s + D < S)
                    for (long k = 0; k < (long)size[s + D] * o * 4; k += 64)
                    {
                        _mm_prefetch((char *)(C + off[s + D] * o) + k, _MM_HINT_T0);
                        _mm_prefetch((char *)(GC + off[s + D] * o) + k, _MM_HINT_T0);
                    }
                for (int b = 0; b < n; b++)
                {
                    int i = idx[s * n + b];
                    __m512 gb = _mm512_load_ps(g + b * 16), x = _mm512_load_ps(block + (i - first) * 16);
                    _mm512_store_ps(block + (i - first) * 16, _mm512_fmadd_ps(_mm512_set1_ps(w[s * n + b]), gb, x));
                    q[b] = _mm512_reduce_add_ps(_mm512_mul_ps(gb, _mm512_maskz_loadu_ps(m, C + (long)i * o)));
                }
                for (int p = 0; p < size[s]; p++) _mm512_mask_storeu_ps(GC + (first + p) * o, m, _mm512_load_ps(block + p * 16));
            }
            free(block);
            free(q);
        }
        double t2 = now();
        if (t2 - t0 < best) best = t2 - t0;
        if (rep >= reps / 2) { sumF += t1 - t0; sumB += t2 - t1; }
    }
    double pairs = (double)S * n, flops = (6.0 * o + 4.0 * d - 1) * pairs;   // nsg bench layer's count (FusedFlops)
    printf("%d threads, prefetch distance %d: forward+backward rows fastest %.3f ms (mean of the second half: forward %.3f, backward %.3f ms); "
           "%.0f sample x subspace pairs; at the layer's flop count %.1f GFLOP/s\n",
           threads, D, best * 1e3, sumF / (reps / 2) * 1e3, sumB / (reps / 2) * 1e3, pairs, flops / best / 1e9);
    return 0;
}
