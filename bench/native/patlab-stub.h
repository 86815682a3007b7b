/*
 * patlab's own user-space stand-ins for the kernel headers the memtype code
 * includes (bench/native.ts, `npm run bench:native`): just enough types and
 * macros to compile the kernel's memtype_interval.c, lib/rbtree.c and the
 * memtype_reserve/memtype_free/lookup_memtype functions of memtype.c, which
 * the bench extracts from Debian's linux-source-6.1 at build time. No kernel
 * code is in this file.
 */
#ifndef PATLAB_STUB_H
#define PATLAB_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t loff_t;
typedef u64 resource_size_t;

#define __always_inline inline __attribute__((always_inline))
#define __init
#define __initdata
#define __read_mostly
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define rcu_assign_pointer(p, v) WRITE_ONCE(p, v)
#define EXPORT_SYMBOL(s)
#define EXPORT_SYMBOL_GPL(s)
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define IS_ENABLED(option) option
#define CONFIG_X86_64 1
#define CONFIG_X86_PAT 1

/* The memtype code's messages: the replayer's `log:` lines, in the output buffer with the results (harness.c). */
extern char *patlab_out;
#define pr_info(fmt, ...) (patlab_out += sprintf(patlab_out, "log: " fmt, ##__VA_ARGS__))
#define pr_err(fmt, ...) (patlab_out += sprintf(patlab_out, "log: " fmt, ##__VA_ARGS__))
#define WARN(cond, fmt, ...) ({ int __c = !!(cond); if (__c) patlab_out += sprintf(patlab_out, "log: WARNING: " fmt, ##__VA_ARGS__); __c; })
#define WARN_ON_ONCE(cond) (!!(cond))

#define EINVAL 22
#define EBUSY 16
#define ENOMEM 12
#define MAX_ERRNO 4095
static inline void *ERR_PTR(long error) { return (void *)error; }
static inline bool IS_ERR(const void *ptr) { return (unsigned long)ptr >= (unsigned long)-MAX_ERRNO; }

#define GFP_KERNEL 0
static inline void *kzalloc(size_t n, int gfp) { (void)gfp; return calloc(1, n); }
static inline void *kmalloc(size_t n, int gfp) { (void)gfp; return malloc(n); }
static inline void kfree(const void *p) { free((void *)p); }

typedef int spinlock_t;
#define DEFINE_SPINLOCK(x) spinlock_t x
#define spin_lock(l) ((void)(l))
#define spin_unlock(l) ((void)(l))

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define __PHYSICAL_MASK ((1ULL << 52) - 1)

enum page_cache_mode {
  _PAGE_CACHE_MODE_WB = 0,
  _PAGE_CACHE_MODE_WC = 1,
  _PAGE_CACHE_MODE_UC_MINUS = 2,
  _PAGE_CACHE_MODE_UC = 3,
  _PAGE_CACHE_MODE_WT = 4,
  _PAGE_CACHE_MODE_WP = 5,
  _PAGE_CACHE_MODE_NUM = 8
};

#define MTRR_TYPE_UNCACHABLE 0
#define MTRR_TYPE_WRBACK 6

struct task_struct {
  char comm[16];
  int pid;
};
extern struct task_struct *current;

struct x86_platform_ops {
  bool (*is_untracked_pat_range)(u64 start, u64 end);
};
extern struct x86_platform_ops x86_platform;

extern int pat_debug_enable;
bool pat_enabled(void);
u8 mtrr_type_lookup(u64 start, u64 end, u8 *uniform);
#endif
