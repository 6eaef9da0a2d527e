// Speed of light of the WHOLE fused sparse grid layer step on this machine (README "Why the fused layer stays below
// 0.15 of the matmul peak"): d = 8, level 7 (3,003 subspaces, 141,569 points), batch 128, o = 10, float32, hand-written
// AVX-512 C with OpenMP. Unlike fused-rows.c this does everything the real kernel does, forward and backward as two
// separate calls that each start from h, C, g (the backward reuses nothing of the forward):
//   per call  the active-function table (each thread builds its own copy: no barrier), then over the thread's subspaces
//   forward   the terms (point offset and weight per sample, vectorised over the batch, partial sums/products of the
//             leading dimensions shared with the previous subspace: lexicographic subspace order, dimension 0 fastest in
//             the local index so the partial index depends on leading levels only) and out[b] += w C[idx] (masked rows)
//   backward  the terms again, dL/dC[idx] += w g[b] into a padded per-subspace block written back with masked stores
//             (every dL/dC row written each call), q = g[b] . C[idx] by a transposing reduction, and dL/dh by the
//             product rule q phi'_j prod_{m != j} phi_m (prefix/suffix products, no division); per-thread partials of
//             out and dL/dh summed after a barrier.
// A scalar reference (double) checks out, dL/dC, dL/dh first (max errors relative to the largest element: ~1e-6).
// Build and run:  gcc -O3 -march=native -fopenmp -o /tmp/fused-step bench/speed-of-light/fused-step.c -lm
//                 OMP_WAIT_POLICY=passive /tmp/fused-step THREADS [FWD [BWD [REPS [G [PARTS [PFD]]]]]]
//   FWD  grouped (default: groups of G consecutive subspaces, their terms first, then per sample its accumulator row
//        in a register over the group) | subspace (the C# kernel's structure: per subspace terms then rows, acc in memory)
//   BWD  subspace (default, the C# kernel's structure: per subspace terms, rows in blocks of 8 samples with q by the
//        256-bit fold + hadd reduction, then the product rule over the batch) | fused (16-sample blocks: rows, q by a
//        512-bit 16-way transposing reduction, product rule at once with q in a register) | grouped (groups of G
//        subspaces, 16-sample blocks, dL/dh accumulators in registers over the group; -DGB=16 for G = 16)
//   PARTS bit mask of the work done (timing breakdown only; results then wrong): 1 terms, 2 rows, 4 product rule,
//        8 dL/dC write-back. PFD prefetch distance in groups. Env: CHUNKS=k (k dynamic chunks instead of static halves),
//        SMALL=1 (all rows read from the first subspace's block: coefficients in L1), PAIRS=1 (forward: two samples'
//        chains at once), -DCOPIES=2 (two dL/dC blocks by sample parity), NOCOLL=1 (fused backward: no dL/dC row
//        collisions, wrong result).
// Each run: 20 warm-up steps, then REPS (200) steps; fastest and median per pass and for the step (fwd + bwd).
// Results, 26 November 2026 (evening), this machine (AMD EPYC Zen 5, 2 cores, ~3.5 GHz, 48 KB L1D), OMP_WAIT_POLICY=passive,
// load average 0.36-0.50 (the lead's work idle), ms, each line median of 3 runs [range]; GFLOP/s at 91 * 128 * 3003 =
// 34.98 MFLOP per step; "of peak" against 171 GFLOP/s (the lead measures the matmul peak in the same session):
//   variant (fwd / bwd)      thr  forward fastest / median   backward fastest / median   total fastest / median
//   subspace / subspace       1   0.451 / 0.501              1.257 / 1.318               1.718 [1.703-1.727] / 1.807 [1.800-1.950]
//   grouped  / fused          1   0.361 / 0.370              1.361 / 1.459               1.735 [1.712-1.804] / 1.857
//   grouped  / grouped        1   0.361 / 0.408              1.295 / 1.461               1.654 [1.648-1.857] / 1.880
//   grouped  / subspace       1   0.370 / 0.404              1.305 / 1.423               1.683 [1.601-1.718] / 1.846 [1.836-1.851]
//   subspace / subspace       2   0.251 / 0.284              0.646 / 0.761               0.949 [0.921-0.981] / 1.061 [1.009-1.089]
//   grouped  / fused          2   0.210 / 0.244              0.695 / 0.807               0.963 [0.949-0.979] / 1.060 [1.040-1.077]
//   grouped  / grouped        2   0.224 / 0.250              0.692 / 0.837               0.971 [0.929-0.995] / 1.092 [1.066-1.200]
//   grouped  / subspace       2   0.211 / 0.236              0.667 / 0.731               0.886 [0.873-0.915] / 0.982 [0.932-1.000]
// Best: 2 threads 0.87-0.92 ms fastest, 0.93-1.00 ms median = 35-40 GFLOP/s = 0.21-0.23 of 171 GFLOP/s, i.e. the
// 0.15 target's 1.366 ms is reachable by the complete computation with 30% to spare. Earlier quieter runs (load
// 0.2-0.6): 2 threads 0.85-0.87 ms fastest, 0.91-0.92 median (0.24 of peak). The C# kernel: 1.575 ms (2 threads).
// Where the time goes (grouped / subspace, fastest of 200, PARTS increments; "base" = table, prefetches, loops, sums):
//   1 thread   forward  base 0.064, terms +0.047, rows +0.25                      = 0.36
//              backward base 0.114, terms +0.016, rows (dL/dC block + q) +0.745,
//                       product rule +0.20-0.24, dL/dC write-back +0.11-0.13      = 1.24
//   2 threads  forward  base 0.063, terms +0.026, rows +0.12                      = 0.21
//              backward base 0.090, terms +0.004, rows +0.37, product rule +0.14, write-back +0.07 = 0.67
// Not memory bound: with every row read from an L1-resident block (SMALL=1) the step is as fast (1 thread 0.34 / 1.27
// ms). But without the next-block prefetch the backward takes 1.70 instead of 1.29 ms (1 thread); the forward does not
// need it. The backward's rows cost about 7 cycles per sample x subspace; about 18% of that is dL/dC block rows hit
// twice in flight (NOCOLL=1: 0.63 against 0.78 ms terms + rows, 1 thread), which two blocks by sample parity do not fix.
// Tried, no gain (within the noise): 16-way 512-bit reduction with the product rule fused into the row block (fused),
// dL/dh accumulators in registers over groups of 8 or 16 subspaces (grouped), two dL/dC blocks, two forward chains,
// prefetch distance 2, dynamic chunks (2/16 chunks the same, 64 slightly slower). Helped: forward grouping (G = 8;
// 4 and 16 the same): 0.45 -> 0.36 ms (1 thread), 0.25 -> 0.21 ms (2 threads).
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define D 8            // dimensions
#define LV 7           // level n
#define N 128          // batch
#define O 10           // outputs
#define NB (N / 16)    // 16-sample blocks
#define MAXS 4096
#define MAXG 16        // largest subspace group
#define INLINE static inline __attribute__((always_inline))

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

// ---------------------------------------------------------------- the grid
// Subspaces in lexicographic order of (l_0, ..., l_7), so consecutive subspaces share leading levels; a subspace's
// points are contiguous, local index sum_j pos_j << shift_j with shift_j = sum_{m<j} (l_m - 1) (dimension 0 fastest,
// so the partial index over the leading dimensions depends on the leading levels only).
static int S, lev[MAXS][D], shl[MAXS][D], shared_[MAXS], size_[MAXS];
static long off[MAXS + 1], P;

static void enumerate(int j, int sum, int *l)
{
    if (j == D)
    {
        int s = S++, sh = 0;
        for (int m = 0; m < D; m++) { lev[s][m] = l[m]; shl[s][m] = sh; sh += l[m] - 1; }
        size_[s] = 1 << sh;
        int k = 0;
        if (s > 0) while (k < D && lev[s - 1][k] == l[k]) k++;
        shared_[s] = k;
        return;
    }
    for (int v = 1; sum + v + (D - 1 - j) <= LV + D - 1; v++) { l[j] = v; enumerate(j + 1, sum + v, l); }
}

// ---------------------------------------------------------------- per-thread scratch
// The active-function table of one call (each thread builds its own copy: no barrier, stays in its own caches):
// p7[j][b] = min(floor(64 h), 63) (the position at level l is p7 >> (7 - l)), val/der[j][l][b] of the active hat.
typedef struct
{
    float val[D][LV + 1][N] __attribute__((aligned(64)));
    float der[D][LV + 1][N] __attribute__((aligned(64)));
    int p7[D][N] __attribute__((aligned(64)));
    int pi[D + 1][N] __attribute__((aligned(64)));        // partial local indices over the leading dimensions
    float pw[D + 1][N] __attribute__((aligned(64)));      // partial products
    float pwG[MAXG][D + 1][N] __attribute__((aligned(64)));  // per-group copies of the prefixes (grouped backward)
    int rowG[MAXG][N] __attribute__((aligned(64)));       // per-group coefficient offsets (floats)
    int locG[MAXG][N] __attribute__((aligned(64)));       // per-group block offsets (floats, stride 16)
    float wG[MAXG][N] __attribute__((aligned(64)));
    float acc[N][16] __attribute__((aligned(64)));        // forward accumulators
    float dh[D][N] __attribute__((aligned(64)));          // dL/dh, dimension-major
    float q[N] __attribute__((aligned(64)));
    float g[N][16] __attribute__((aligned(64)));          // padded upstream rows
    float blk[MAXG][64][16] __attribute__((aligned(64))); // padded dL/dC blocks
} Scratch;
static Scratch *scr[2];

static const __mmask16 M10 = (1 << O) - 1;

// Inside a parallel region: this thread's chunks of the subspaces (CHUNKS dynamic chunks, default one per thread),
// each as the range [s0, s1) for the statement that follows.
// The groups of G consecutive subspaces of [s0, s1): g0 the first, gn how many (G, or fewer at the end).
#define FOR_EACH_GROUP(g0, gn, s0, s1) for (int g0 = s0, gn; g0 < s1 && (gn = s1 - g0 < G ? s1 - g0 : G, 1); g0 += G)

#define FOR_EACH_CHUNK(s0, s1) \
    int nch_ = CHUNKS ? CHUNKS : omp_get_num_threads(); \
    _Pragma("omp for schedule(dynamic, 1) nowait") \
    for (int ch_ = 0; ch_ < nch_; ch_++) \
    for (int once_ = (s0 = (int)((long)S * ch_ / nch_), s1 = (int)((long)S * (ch_ + 1) / nch_), 0); !once_; once_ = 1)

INLINE void build_table(Scratch *w, const float *h)
{
    for (int j = 0; j < D; j++)
        for (int b = 0; b < N; b += 16)
        {
            __m512 x = _mm512_set_ps(h[(b + 15) * D + j], h[(b + 14) * D + j], h[(b + 13) * D + j], h[(b + 12) * D + j],
                h[(b + 11) * D + j], h[(b + 10) * D + j], h[(b + 9) * D + j], h[(b + 8) * D + j], h[(b + 7) * D + j],
                h[(b + 6) * D + j], h[(b + 5) * D + j], h[(b + 4) * D + j], h[(b + 3) * D + j], h[(b + 2) * D + j],
                h[(b + 1) * D + j], h[b * D + j]);
            __m512i p7 = _mm512_min_epi32(_mm512_cvttps_epi32(_mm512_mul_ps(x, _mm512_set1_ps(64))), _mm512_set1_epi32(63));
            _mm512_store_si512(&w->p7[j][b], p7);
            for (int l = 1; l <= LV; l++)
            {
                __m512i pos = _mm512_srlv_epi32(p7, _mm512_set1_epi32(LV - l)), two = _mm512_set1_epi32(1);
                __m512 i = _mm512_cvtepi32_ps(_mm512_add_epi32(_mm512_add_epi32(pos, pos), two));
                __m512 t = _mm512_sub_ps(_mm512_mul_ps(x, _mm512_set1_ps((float)(1 << l))), i);
                __m512 v = _mm512_sub_ps(_mm512_set1_ps(1), _mm512_abs_ps(t));
                __mmask16 pos_t = _mm512_cmp_ps_mask(t, _mm512_setzero_ps(), _CMP_GT_OQ);
                __m512 dv = _mm512_mask_blend_ps(pos_t, _mm512_set1_ps((float)(1 << l)), _mm512_set1_ps(-(float)(1 << l)));
                _mm512_store_ps(&w->val[j][l][b], v);
                _mm512_store_ps(&w->der[j][l][b], dv);
            }
        }
}

// Partial indices and products of subspace s from depth `from` (vectorised over the batch).
INLINE void terms(Scratch *w, int s, int from)
{
    if (from == 0)
        for (int b = 0; b < N; b += 16) { _mm512_store_si512(&w->pi[0][b], _mm512_setzero_si512()); _mm512_store_ps(&w->pw[0][b], _mm512_set1_ps(1)); }
    for (int k = from; k < D; k++)
    {
        int l = lev[s][k];
        __m128i sr = _mm_cvtsi32_si128(LV - l), sl = _mm_cvtsi32_si128(shl[s][k]);
        for (int b = 0; b < N; b += 16)
        {
            __m512i p = _mm512_sll_epi32(_mm512_srl_epi32(_mm512_load_si512(&w->p7[k][b]), sr), sl);
            _mm512_store_si512(&w->pi[k + 1][b], _mm512_add_epi32(_mm512_load_si512(&w->pi[k][b]), p));
            _mm512_store_ps(&w->pw[k + 1][b], _mm512_mul_ps(_mm512_load_ps(&w->pw[k][b]), _mm512_load_ps(&w->val[k][l][b])));
        }
    }
}

INLINE void prefetch_block(const float *base, int s, int hint)
{
    if (s >= S) return;
    const char *p = (const char *)(base + off[s] * O), *e = (const char *)(base + (off[s] + size_[s]) * O);
    for (p = (const char *)((long)p & ~63L); p < e; p += 64)
        if (hint == 0) _mm_prefetch(p, _MM_HINT_T0);
        else if (hint == 1) _mm_prefetch(p, _MM_HINT_T1);
        else _mm_prefetch(p, _MM_HINT_ET0);
}

// 16 vectors -> one vector of their lane sums (leaf k must hold sample (k & 3) * 4 + (k >> 2) for lane = sample).
INLINE __m512 red1(__m512 a, __m512 b)
{
    return _mm512_add_ps(_mm512_mask_blend_ps(0xFF00, a, b), _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(1, 0, 3, 2)));
}
INLINE __m512 red2(__m512 x, __m512 y)
{
    return _mm512_add_ps(_mm512_shuffle_f32x4(x, y, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_f32x4(x, y, _MM_SHUFFLE(3, 1, 3, 1)));
}
INLINE __m512 red3(__m512 x, __m512 y)
{
    __m512d a = _mm512_castps_pd(x), b = _mm512_castps_pd(y);
    return _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(a, b)), _mm512_castpd_ps(_mm512_unpackhi_pd(a, b)));
}
INLINE __m512 red4(__m512 x, __m512 y)
{
    return _mm512_add_ps(_mm512_shuffle_ps(x, y, _MM_SHUFFLE(2, 0, 2, 0)), _mm512_shuffle_ps(x, y, _MM_SHUFFLE(3, 1, 3, 1)));
}
INLINE __m512 reduce16(const __m512 *v)
{
    __m512 a0 = red2(red1(v[0], v[1]), red1(v[2], v[3])), a1 = red2(red1(v[4], v[5]), red1(v[6], v[7]));
    __m512 a2 = red2(red1(v[8], v[9]), red1(v[10], v[11])), a3 = red2(red1(v[12], v[13]), red1(v[14], v[15]));
    return red4(red3(a0, a1), red3(a2, a3));
}

// 8 vectors folded to 256 bits -> their lane sums (the C# kernel's LaneSums).
INLINE __m256 reduce8(const __m256 *p)
{
    __m256 t0 = _mm256_hadd_ps(p[0], p[1]), t1 = _mm256_hadd_ps(p[2], p[3]), t2 = _mm256_hadd_ps(p[4], p[5]), t3 = _mm256_hadd_ps(p[6], p[7]);
    __m256 u0 = _mm256_hadd_ps(t0, t1), u1 = _mm256_hadd_ps(t2, t3);
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}
INLINE __m256 fold(__m512 v) { return _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)); }

// Which part of the work runs (for the breakdown): bit 1 terms, 2 rows, 4 product rule, 8 dL/dC write-back.
static int PARTS = 15;
static int SMALL = 0, NOCOLL = 0, CHUNKS = 0;   // CHUNKS > 0: that many chunks of subspaces, dynamic   // experiment: every subspace reads the coefficient rows of the first (all in L1)

// ---------------------------------------------------------------- forward variants
// A forward region's per-thread start: this thread's table and cleared accumulators.
INLINE Scratch *begin_forward(const float *h)
{
    Scratch *w = scr[omp_get_thread_num()];
    build_table(w, h);
    memset(w->acc, 0, sizeof w->acc);
    return w;
}

// A forward region's end: every thread's accumulators published, then out summed over them, rows split over threads.
INLINE void finish_forward(Scratch *w, float (*part)[N][16], float *out)
{
    memcpy(part[omp_get_thread_num()], w->acc, sizeof w->acc);
#pragma omp barrier
    int T = omp_get_num_threads(), t = omp_get_thread_num();
    for (int b = N * t / T; b < N * (t + 1) / T; b++)
    {
        __m512 a = _mm512_load_ps(part[0][b]);
        for (int u = 1; u < T; u++) a = _mm512_add_ps(a, _mm512_load_ps(part[u][b]));
        _mm512_mask_storeu_ps(out + b * O, M10, a);
    }
}

// Variant 0 (the C# kernel's structure): per subspace the terms, then per sample acc[b] += w_b C[idx_b] (acc in memory).
static void forward_subspace(const float *h, const float *C, float *out, float (*part)[N][16])
{
#pragma omp parallel
    {
        Scratch *w = begin_forward(h);
        int s0, s1;
        FOR_EACH_CHUNK(s0, s1)
        for (int s = s0; s < s1; s++)
        {
            prefetch_block(C, s + 1, 0);
            if (PARTS & 1) terms(w, s, s == s0 ? 0 : shared_[s]);
            if (PARTS & 2)
            {
                const float *c = C + off[s] * O;
                for (int b = 0; b < N; b++)
                {
                    __m512 x = _mm512_maskz_loadu_ps(M10, c + w->pi[D][b] * O);
                    _mm512_store_ps(w->acc[b], _mm512_fmadd_ps(_mm512_set1_ps(w->pw[D][b]), x, _mm512_load_ps(w->acc[b])));
                }
            }
        }
        finish_forward(w, part, out);
    }
}

// Variant 1: groups of G consecutive subspaces: the terms of the group first (coefficient offsets and weights), then
// per sample its accumulator row stays in a register over the group.
static int G = 8, PFD = 1, PAIRS = 0;
static void forward_grouped(const float *h, const float *C, float *out, float (*part)[N][16])
{
#pragma omp parallel
    {
        Scratch *w = begin_forward(h);
        int s0, s1;
        FOR_EACH_CHUNK(s0, s1)
        FOR_EACH_GROUP(g0, gn, s0, s1)
        {
            for (int u = 0; u < gn; u++)
            {
                int s = g0 + u;
                for (int v = 0; v < PFD; v++) prefetch_block(C, s + G * v + G, 0);
                if (PARTS & 1)
                {
                    terms(w, s, s == s0 ? 0 : shared_[s]);
                    __m512i o10 = _mm512_set1_epi32(O), base = _mm512_set1_epi32(SMALL ? 0 : (int)(off[s] * O));
                    for (int b = 0; b < N; b += 16)
                    {
                        _mm512_store_si512(&w->rowG[u][b], _mm512_add_epi32(base, _mm512_mullo_epi32(_mm512_load_si512(&w->pi[D][b]), o10)));
                        _mm512_store_ps(&w->wG[u][b], _mm512_load_ps(&w->pw[D][b]));
                    }
                }
            }
            if (PARTS & 2)
            {
                if (gn == G && G == 8 && PAIRS)
                    for (int b = 0; b < N; b += 2)   // two samples at once: two independent FMA chains
                    {
                        __m512 a = _mm512_load_ps(w->acc[b]), a1 = _mm512_load_ps(w->acc[b + 1]);
#pragma GCC unroll 8
                        for (int u = 0; u < 8; u++)
                        {
                            a = _mm512_fmadd_ps(_mm512_set1_ps(w->wG[u][b]), _mm512_maskz_loadu_ps(M10, C + w->rowG[u][b]), a);
                            a1 = _mm512_fmadd_ps(_mm512_set1_ps(w->wG[u][b + 1]), _mm512_maskz_loadu_ps(M10, C + w->rowG[u][b + 1]), a1);
                        }
                        _mm512_store_ps(w->acc[b], a);
                        _mm512_store_ps(w->acc[b + 1], a1);
                    }
                else if (gn == G && G == 8)
                    for (int b = 0; b < N; b++)
                    {
                        __m512 a = _mm512_load_ps(w->acc[b]);
#pragma GCC unroll 8
                        for (int u = 0; u < 8; u++)
                            a = _mm512_fmadd_ps(_mm512_set1_ps(w->wG[u][b]), _mm512_maskz_loadu_ps(M10, C + w->rowG[u][b]), a);
                        _mm512_store_ps(w->acc[b], a);
                    }
                else
                    for (int b = 0; b < N; b++)
                    {
                        __m512 a = _mm512_load_ps(w->acc[b]);
                        for (int u = 0; u < gn; u++)
                            a = _mm512_fmadd_ps(_mm512_set1_ps(w->wG[u][b]), _mm512_maskz_loadu_ps(M10, C + w->rowG[u][b]), a);
                        _mm512_store_ps(w->acc[b], a);
                    }
            }
        }
        finish_forward(w, part, out);
    }
}

// ---------------------------------------------------------------- backward variants
static void finish_dh(Scratch *w, float (*dpart)[D][N], float *gh)
{
    memcpy(dpart[omp_get_thread_num()], w->dh, sizeof w->dh);
#pragma omp barrier
    int T = omp_get_num_threads(), t = omp_get_thread_num();
    for (int b = N * t / T; b < N * (t + 1) / T; b++)
        for (int j = 0; j < D; j++)
        {
            float a = 0;
            for (int u = 0; u < T; u++) a += dpart[u][j][b];
            gh[b * D + j] = a;
        }
}

INLINE void copy_g(Scratch *w, const float *g)
{
    for (int b = 0; b < N; b++) _mm512_store_ps(w->g[b], _mm512_maskz_loadu_ps(M10, g + b * O));
}

// A backward subspace's start: the next subspace's coefficient and dL/dC blocks prefetched, this one's terms built.
INLINE void backward_subspace_start(Scratch *w, const float *C, const float *GC, int s, int s0)
{
    prefetch_block(C, s + 1, 0);
    prefetch_block(GC, s + 1, 0);
    if (PARTS & 1) terms(w, s, s == s0 ? 0 : shared_[s]);
}

// A backward region's per-thread start: this thread's table, padded upstream rows and cleared dL/dh partials.
INLINE Scratch *begin_backward(const float *h, const float *g)
{
    Scratch *w = scr[omp_get_thread_num()];
    build_table(w, h);
    copy_g(w, g);
    memset(w->dh, 0, sizeof w->dh);
    return w;
}

INLINE void write_back(float *blk, float *GC, int s)
{
    float *dst = GC + off[s] * O;
    for (int p = 0; p < size_[s]; p++)
    {
        _mm512_mask_storeu_ps(dst + p * O, M10, _mm512_load_ps(blk + p * 16));
        _mm512_store_ps(blk + p * 16, _mm512_setzero_ps());   // the block is zero again for the next subspace
    }
}

INLINE void write_back2(float *blk, float *blk2, float *GC, int s)
{
    float *dst = GC + off[s] * O;
    for (int p = 0; p < size_[s]; p++)
    {
        _mm512_mask_storeu_ps(dst + p * O, M10, _mm512_add_ps(_mm512_load_ps(blk + p * 16), _mm512_load_ps(blk2 + p * 16)));
        _mm512_store_ps(blk + p * 16, _mm512_setzero_ps());
        _mm512_store_ps(blk2 + p * 16, _mm512_setzero_ps());
    }
}

// The product rule for 16 samples from b with q in a register: dh[j] += q der_j prod_{m<j} val_m prod_{m>j} val_m.
INLINE void product_rule(Scratch *w, const float (*pw)[N], int s, int b, __m512 q)
{
    __m512 suffix = q;   // q times the product of the values of the dimensions after j
    for (int j = D - 1; j >= 0; j--)
    {
        int l = lev[s][j];
        __m512 a = _mm512_load_ps(&w->dh[j][b]);
        a = _mm512_fmadd_ps(_mm512_load_ps(&w->der[j][l][b]), _mm512_mul_ps(suffix, _mm512_load_ps(&pw[j][b])), a);
        _mm512_store_ps(&w->dh[j][b], a);
        if (j) suffix = _mm512_mul_ps(suffix, _mm512_load_ps(&w->val[j][l][b]));
    }
}

// Variant 0 (the C# kernel's structure), one subspace: the rows in blocks of 8 samples (q by the 256-bit transposing
// reduction), then the product rule over the batch.
INLINE void backward_rows_then_rule(Scratch *w, float *blk, const float *C, int s)
{
    const float *c = C + off[s] * O;
    if (PARTS & 2)
        for (int b = 0; b < N; b += 8)
        {
            __m256 p[8];
            for (int i = 0; i < 8; i++)
            {
                int r = w->pi[D][b + i];
                __m512 gb = _mm512_load_ps(w->g[b + i]);
                _mm512_store_ps(blk + r * 16, _mm512_fmadd_ps(_mm512_set1_ps(w->pw[D][b + i]), gb, _mm512_load_ps(blk + r * 16)));
                p[i] = fold(_mm512_mul_ps(gb, _mm512_maskz_loadu_ps(M10, c + r * O)));
            }
            _mm256_store_ps(w->q + b, reduce8(p));
        }
    if (PARTS & 4)
        for (int b = 0; b < N; b += 16) product_rule(w, w->pw, s, b, _mm512_load_ps(w->q + b));
}

// Variant 1, one subspace: 16-sample blocks: rows, q by the 512-bit transposing reduction, and the product rule of the
// block at once with q in a register (no q buffer, no second pass).
INLINE void backward_fused_blocks(Scratch *w, float *blk, const float *C, int s)
{
    const float *c = C + (SMALL ? 0 : off[s] * O);
    for (int b = 0; b < N; b += 16)
    {
        __m512 q = _mm512_setzero_ps();
        if (PARTS & 2)
        {
            __m512 p[16];
#pragma GCC unroll 16
            for (int k = 0; k < 16; k++)
            {
                int i = b + (k & 3) * 4 + (k >> 2), r = w->pi[D][i];
                __m512 gb = _mm512_load_ps(w->g[i]);
                int rb = NOCOLL ? i : r;
                _mm512_store_ps(blk + rb * 16, _mm512_fmadd_ps(_mm512_set1_ps(w->pw[D][i]), gb, _mm512_load_ps(blk + rb * 16)));
                p[k] = _mm512_mul_ps(gb, _mm512_maskz_loadu_ps(M10, c + r * O));
            }
            q = reduce16(p);
        }
        if (PARTS & 4) product_rule(w, w->pw, s, b, q);
    }
}

// Variants 0 and 1: per subspace the terms, then its rows and product rule one way or the other, then its dL/dC block
// written back.
static void backward_per_subspace(const float *h, const float *C, const float *g, float *GC, float *gh, float (*dpart)[D][N], int fused)
{
#pragma omp parallel
    {
        Scratch *w = begin_backward(h, g);
        int s0, s1;
        float *blk = &w->blk[0][0][0];
        FOR_EACH_CHUNK(s0, s1)
        for (int s = s0; s < s1; s++)
        {
            backward_subspace_start(w, C, GC, s, s0);
            if (fused) backward_fused_blocks(w, blk, C, s);
            else backward_rows_then_rule(w, blk, C, s);
            if (PARTS & 8) write_back(blk, GC, s);
        }
        finish_dh(w, dpart, gh);
    }
}

static void backward_subspace(const float *h, const float *C, const float *g, float *GC, float *gh, float (*dpart)[D][N])
{
    backward_per_subspace(h, C, g, GC, gh, dpart, 0);
}

static void backward_fused(const float *h, const float *C, const float *g, float *GC, float *gh, float (*dpart)[D][N])
{
    backward_per_subspace(h, C, g, GC, gh, dpart, 1);
}

// Variant 2: groups of G consecutive subspaces: the group's point offsets and weights first (shared-prefix term
// builder), then per 16-sample block and subspace of the group: rows, q by the 512-bit reduction, and the product rule
// with the block's dL/dh accumulators in registers over the whole group (prefix products recomputed from the table).
#ifndef COPIES
#define COPIES 1
#endif
#ifndef GB
#define GB 8
#endif
INLINE void backward_group_block(Scratch *w, const float *C, int g0, int gn, int b)
{
    __m512 dh[D];
    const int copy_ = COPIES == 2 ? 8 * 64 * 16 : 0;   // odd leaves accumulate into a second block (blk[u + 8])
    for (int j = 0; j < D; j++) dh[j] = _mm512_load_ps(&w->dh[j][b]);
    for (int u = 0; u < gn; u++)
    {
        int s = g0 + u;
        float *blk = &w->blk[u][0][0];
        __m512 q = _mm512_setzero_ps();
        if (PARTS & 2)
        {
            __m512 p[16];
#pragma GCC unroll 16
            for (int k = 0; k < 16; k++)
            {
                int i = b + (k & 3) * 4 + (k >> 2);
                __m512 gb = _mm512_load_ps(w->g[i]);
                float *row = blk + w->locG[u][i] + (k & 1) * copy_;
                _mm512_store_ps(row, _mm512_fmadd_ps(_mm512_set1_ps(w->wG[u][i]), gb, _mm512_load_ps(row)));
                p[k] = _mm512_mul_ps(gb, _mm512_maskz_loadu_ps(M10, C + w->rowG[u][i]));
            }
            q = reduce16(p);
        }
        if (PARTS & 4)
        {
            __m512 pre[D];
            pre[0] = _mm512_set1_ps(1);
            pre[1] = _mm512_load_ps(&w->val[0][lev[s][0]][b]);
            for (int j = 2; j < D; j++) pre[j] = _mm512_mul_ps(pre[j - 1], _mm512_load_ps(&w->val[j - 1][lev[s][j - 1]][b]));
            __m512 suffix = q;
            for (int j = D - 1; j >= 0; j--)
            {
                int l = lev[s][j];
                dh[j] = _mm512_fmadd_ps(_mm512_load_ps(&w->der[j][l][b]), _mm512_mul_ps(suffix, pre[j]), dh[j]);
                if (j) suffix = _mm512_mul_ps(suffix, _mm512_load_ps(&w->val[j][l][b]));
            }
        }
    }
    for (int j = 0; j < D; j++) _mm512_store_ps(&w->dh[j][b], dh[j]);
}

static void backward_grouped(const float *h, const float *C, const float *g, float *GC, float *gh, float (*dpart)[D][N])
{
#pragma omp parallel
    {
        Scratch *w = begin_backward(h, g);
        int s0, s1;
        FOR_EACH_CHUNK(s0, s1)
        FOR_EACH_GROUP(g0, gn, s0, s1)
        {
            for (int u = 0; u < gn; u++)
            {
                int s = g0 + u;
                for (int v = 0; v < PFD; v++) { prefetch_block(C, s + G * v + G, 0); prefetch_block(GC, s + G * v + G, 0); }
                if (PARTS & 1)
                {
                    terms(w, s, s == s0 ? 0 : shared_[s]);
                    __m512i o10 = _mm512_set1_epi32(O), base = _mm512_set1_epi32(SMALL ? 0 : (int)(off[s] * O));
                    for (int b = 0; b < N; b += 16)
                    {
                        __m512i li = _mm512_load_si512(&w->pi[D][b]);
                        _mm512_store_si512(&w->rowG[u][b], _mm512_add_epi32(base, _mm512_mullo_epi32(li, o10)));
                        _mm512_store_si512(&w->locG[u][b], _mm512_slli_epi32(li, 4));
                        _mm512_store_ps(&w->wG[u][b], _mm512_load_ps(&w->pw[D][b]));
                    }
                }
            }
            if (gn == GB)
                for (int b = 0; b < N; b += 16) backward_group_block(w, C, g0, GB, b);
            else
                for (int b = 0; b < N; b += 16) backward_group_block(w, C, g0, gn, b);
            if (PARTS & 8)
                for (int u = 0; u < gn; u++)
                {
                    if (COPIES == 2) write_back2(&w->blk[u][0][0], &w->blk[u + 8][0][0], GC, g0 + u);
                    else write_back(&w->blk[u][0][0], GC, g0 + u);
                }
        }
        finish_dh(w, dpart, gh);
    }
}

// ---------------------------------------------------------------- reference
static void reference(const float *h, const float *C, const float *g, double *out, double *GC, double *gh)
{
    memset(out, 0, N * O * 8);
    memset(GC, 0, P * O * 8);
    memset(gh, 0, N * D * 8);
    for (int s = 0; s < S; s++)
        for (int b = 0; b < N; b++)
        {
            double v[D], dv[D];
            long idx = 0;
            for (int j = 0; j < D; j++)
            {
                int l = lev[s][j];
                double x = h[b * D + j];
                int pos = (int)floor(x * (1 << (l - 1)));
                if (pos > (1 << (l - 1)) - 1) pos = (1 << (l - 1)) - 1;
                double t = x * (1 << l) - (2 * pos + 1);
                v[j] = 1 - fabs(t);
                dv[j] = t > 0 ? -(double)(1 << l) : (double)(1 << l);
                idx += (long)pos << shl[s][j];
            }
            idx += off[s];
            double wgt = 1, q = 0;
            for (int j = 0; j < D; j++) wgt *= v[j];
            for (int k = 0; k < O; k++)
            {
                out[b * O + k] += wgt * C[idx * O + k];
                GC[idx * O + k] += wgt * g[b * O + k];
                q += g[b * O + k] * C[idx * O + k];
            }
            for (int j = 0; j < D; j++)
            {
                double p = dv[j];
                for (int m = 0; m < D; m++) if (m != j) p *= v[m];
                gh[b * D + j] += q * p;
            }
        }
}

static double maxrel(const float *a, const double *r, long n)
{
    double scale = 0, err = 0;
    for (long i = 0; i < n; i++) scale = fmax(scale, fabs(r[i]));
    for (long i = 0; i < n; i++) err = fmax(err, fabs(a[i] - r[i]));
    return err / scale;
}

static int cmpd(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }

typedef void (*fwd_fn)(const float *, const float *, float *, float (*)[N][16]);
typedef void (*bwd_fn)(const float *, const float *, const float *, float *, float *, float (*)[D][N]);

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    const char *fv = argc > 2 ? argv[2] : "grouped", *bv = argc > 3 ? argv[3] : "subspace";
    int reps = argc > 4 ? atoi(argv[4]) : 200;
    if (argc > 5) G = atoi(argv[5]);
    if (argc > 6) PARTS = atoi(argv[6]);
    if (argc > 7) PFD = atoi(argv[7]);
    SMALL = getenv("SMALL") != NULL;
    NOCOLL = getenv("NOCOLL") != NULL;
    PAIRS = getenv("PAIRS") != NULL;
    if (getenv("CHUNKS")) CHUNKS = atoi(getenv("CHUNKS"));
    int l[D];
    enumerate(0, 0, l);
    for (int s = 0; s < S; s++) off[s + 1] = off[s] + size_[s];
    P = off[S];
    fwd_fn fwd = !strcmp(fv, "subspace") ? forward_subspace : forward_grouped;
    bwd_fn bwd = !strcmp(bv, "subspace") ? backward_subspace : !strcmp(bv, "grouped") ? backward_grouped : backward_fused;

    float *h = aligned_alloc(64, N * D * 4), *C = aligned_alloc(64, (P * O * 4 + 127) / 64 * 64), *g = aligned_alloc(64, N * O * 4);
    float *out = aligned_alloc(64, N * O * 4), *GC = aligned_alloc(64, (P * O * 4 + 127) / 64 * 64), *gh = aligned_alloc(64, N * D * 4);
    float (*part)[N][16] = aligned_alloc(64, 2 * sizeof *part);
    float (*dpart)[D][N] = aligned_alloc(64, 2 * sizeof *dpart);
    for (int t = 0; t < 2; t++) { scr[t] = aligned_alloc(64, sizeof(Scratch)); memset(scr[t], 0, sizeof(Scratch)); }
    srand(1);
    for (int i = 0; i < N * D; i++) h[i] = rand() / (float)RAND_MAX;
    h[0] = 1; h[1] = 0; h[2] = 0.5f;   // edge cases: x = 1, x = 0, a kink
    for (long i = 0; i < P * O; i++) C[i] = rand() / (float)RAND_MAX - 0.5f;
    for (int i = 0; i < N * O; i++) g[i] = rand() / (float)RAND_MAX - 0.5f;
    omp_set_num_threads(threads);

    // correctness against the scalar reference (double accumulation)
    double *rout = malloc(N * O * 8), *rGC = malloc(P * O * 8), *rgh = malloc(N * D * 8);
    reference(h, C, g, rout, rGC, rgh);
    memset(GC, 0xff, P * O * 4);   // NaN: every element must be written
    fwd(h, C, out, part);
    bwd(h, C, g, GC, gh, dpart);
    printf("S=%d P=%ld  threads %d  forward %s  backward %s  G=%d parts=%d pfd=%d\n", S, P, threads, fv, bv, G, PARTS, PFD);
    printf("max error relative to the largest element: out %.2e  dL/dC %.2e  dL/dh %.2e\n",
        maxrel(out, rout, N * O), maxrel(GC, rGC, P * O), maxrel(gh, rgh, N * D));

    double *tf = malloc(reps * 8), *tb = malloc(reps * 8), *tt = malloc(reps * 8);
    for (int rep = -20; rep < reps; rep++)
    {
        double t0 = now();
        fwd(h, C, out, part);
        double t1 = now();
        bwd(h, C, g, GC, gh, dpart);
        double t2 = now();
        if (rep >= 0) { tf[rep] = t1 - t0; tb[rep] = t2 - t1; tt[rep] = t2 - t0; }
    }
    qsort(tf, reps, 8, cmpd);
    qsort(tb, reps, 8, cmpd);
    qsort(tt, reps, 8, cmpd);
    double flops = 91.0 * N * S;
    printf("forward  fastest %.3f median %.3f ms\nbackward fastest %.3f median %.3f ms\n", tf[0] * 1e3, tf[reps / 2] * 1e3, tb[0] * 1e3, tb[reps / 2] * 1e3);
    printf("total    fastest %.3f median %.3f ms  = %.1f / %.1f GFLOP/s  = %.3f / %.3f of 171 GFLOP/s\n", tt[0] * 1e3, tt[reps / 2] * 1e3,
        flops / tt[0] / 1e9, flops / tt[reps / 2] / 1e9, flops / tt[0] / 171e9, flops / tt[reps / 2] / 171e9);
    return 0;
}
