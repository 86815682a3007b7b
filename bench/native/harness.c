/*
 * patlab's driver for the kernel's own memtype code compiled natively
 * (bench/native.ts, `npm run bench:native`): reads a memtype-trace v1
 * performance trace (../shared/golden/memtype/gen-memtype-traces.py `perf`)
 * on stdin and calls memtype_reserve / memtype_free / lookup_memtype for each
 * operation, printing each result in the format patlab's replayer prints
 * (FORMAT §4), so the two outputs can be compared byte for byte. Only what
 * the performance traces use: PAT on, a RAM range, reservations outside it
 * (the tree path). The timed part is the operations, not the reading.
 * Our code; the kernel's functions come from memtype-fns.c, which the bench
 * extracts from linux-source-6.1 at build time.
 */
#include "patlab-stub.h"
#include <string.h>
#include <time.h>

struct memtype;
int memtype_reserve(u64 start, u64 end, enum page_cache_mode req_type, enum page_cache_mode *new_type);
int memtype_free(u64 start, u64 end);
static enum page_cache_mode lookup_memtype(u64 paddr);

static struct task_struct replay_task = { "replay", 1 };
struct task_struct *current = &replay_task;
int pat_debug_enable;
char *patlab_out;
static u64 ram_start, ram_end;

bool pat_enabled(void) { return true; }

/* The low ISA range the kernel never tracks (is_ISA_range of arch/x86/include/asm/e820). */
static bool untracked(u64 start, u64 end) { return start >= 0xa0000 && end <= 0x100000; }
struct x86_platform_ops x86_platform = { untracked };

/* Only WB requests consult the MTRRs; the performance traces make none. */
u8 mtrr_type_lookup(u64 start, u64 end, u8 *uniform) {
  (void)start, (void)end;
  *uniform = 1;
  return MTRR_TYPE_UNCACHABLE;
}

/* The traces reserve outside RAM: a range in it would be the page-flag path, which they never take. */
static int pat_pagerange_is_ram(u64 start, u64 end) {
  if (start < ram_end && end > ram_start) {
    fprintf(stderr, "native: a RAM range [%#llx, %#llx): not in a performance trace\n", (unsigned long long)start, (unsigned long long)end);
    exit(2);
  }
  return 0;
}
static int reserve_ram_pages_type(u64 s, u64 e, enum page_cache_mode r, enum page_cache_mode *n) { (void)s, (void)e, (void)r, (void)n; return -EINVAL; }
static int free_ram_pages_type(u64 s, u64 e) { (void)s, (void)e; return -EINVAL; }
struct page;
static struct page *pfn_to_page(u64 pfn) { (void)pfn; return NULL; }
static enum page_cache_mode get_page_memtype(struct page *pg) { (void)pg; return _PAGE_CACHE_MODE_WB; }

/* memtype.c's lock, which the extracted functions take. */
static DEFINE_SPINLOCK(memtype_lock);

#include "memtype-fns.c"

static const char *NAMES[] = { "write-back", "write-combining", "uncached-minus", "uncached", "write-through", "write-protected" };

static enum page_cache_mode mode_of(const char *s) {
  for (int i = 0; i < 6; i++)
    if (strcmp(s, NAMES[i]) == 0) return (enum page_cache_mode)i;
  fprintf(stderr, "native: unknown mode %s\n", s);
  exit(2);
}

static const char *errname(int e) { return e == -EBUSY ? "EBUSY" : e == -EINVAL ? "EINVAL" : e == -ENOMEM ? "ENOMEM" : "E?"; }

/* One operation read from the trace. */
struct op { char kind; u64 a, b; enum page_cache_mode mode; };

int main(void) {
  static char line[256];
  size_t n = 0, cap = 1 << 16;
  struct op *ops = malloc(cap * sizeof *ops);
  while (fgets(line, sizeof line, stdin)) {
    char w[32], m[32];
    unsigned long long a, b;
    if (line[0] == '#' || line[0] == '\n') continue;
    if (sscanf(line, "%31s", w) != 1) continue;
    if (n == cap) ops = realloc(ops, (cap *= 2) * sizeof *ops);
    if (strcmp(w, "ram") == 0 && sscanf(line, "ram %llx %llx", &a, &b) == 2) ram_start = a, ram_end = b;
    else if (strcmp(w, "reserve") == 0 && sscanf(line, "reserve %llx %llx %31s", &a, &b, m) == 3) ops[n++] = (struct op){ 'r', a, b, mode_of(m) };
    else if (strcmp(w, "free") == 0 && sscanf(line, "free %llx %llx", &a, &b) == 2) ops[n++] = (struct op){ 'f', a, b, 0 };
    else if (strcmp(w, "lookup") == 0 && sscanf(line, "lookup %llx", &a) == 1) ops[n++] = (struct op){ 'l', a, 0, 0 };
  }
  /* Results and messages are written to a buffer as they come and printed after the clock stops. */
  char *out = malloc(n * 256 + 1);
  patlab_out = out;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (size_t i = 0; i < n; i++) {
    struct op *p = &ops[i];
    char *o = patlab_out;
    if (p->kind == 'r') {
      enum page_cache_mode got = _PAGE_CACHE_MODE_NUM; /* never set: `-` */
      int r = memtype_reserve(p->a, p->b, p->mode, &got);
      o = patlab_out;
      o += r == 0 ? sprintf(o, "ok %s\n", NAMES[got]) : sprintf(o, "err %s %s\n", errname(r), got < 6 ? NAMES[got] : "-");
    } else if (p->kind == 'f') {
      int r = memtype_free(p->a, p->b);
      o = patlab_out;
      o += r == 0 ? sprintf(o, "ok\n") : sprintf(o, "err %s\n", errname(r));
    } else {
      enum page_cache_mode t = lookup_memtype(p->a);
      o = patlab_out;
      o += sprintf(o, "%s\n", NAMES[t]);
    }
    patlab_out = o;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  fwrite(out, 1, (size_t)(patlab_out - out), stdout);
  fprintf(stderr, "native-seconds %.6f ops %zu\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, n);
  return 0;
}
