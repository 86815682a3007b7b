// SPDX-License-Identifier: GPL-2.0
/*
 * patlab probe's user program (docs/probe.md §1, "Processes"): the processes of a scenario that
 * forks or exits. The generated module runs each step in the process that writes "RUN n" to
 * /dev/patprobe; this program is those processes. Its arguments are the plan, one token per step:
 *
 *   S:Rn    process S runs step n (the module's code, in process S's context)
 *   S:Fn:C  process S forks (step n); the child is process C
 *   S:Xn    process S exits (step n)
 *   S:Mn    process S makes step n's mremap (the module says the arguments)
 *   0:Rn    the controller runs step n
 *
 * The first process here (the controller, process 0) starts process 1, sends each token to its
 * process over a pipe and waits for the answer (it runs a step itself only when the step names no
 * process and process 1 has exited), and writes the markers a step the
 * module cannot see ends with (an exit ends when the process is gone). Forks are clone() with
 * CLONE_PARENT, so every process is the controller's child and it can wait for each; the child's
 * mm is copied as fork() copies it. At the end it writes "FINAL" (the module prints the final state)
 * and lets the processes still alive exit.
 *
 * No libc: raw system calls for x86-64 and i386, so one static file builds for both kernels.
 */

#ifdef __x86_64__
#define NR_read 0
#define NR_write 1
#define NR_open 2
#define NR_pipe 22
#define NR_getpid 39
#define NR_clone 56
#define NR_exit_group 231
#define NR_wait4 61
#define NR_mremap 25
#else
#define NR_read 3
#define NR_write 4
#define NR_open 5
#define NR_pipe 42
#define NR_getpid 20
#define NR_clone 120
#define NR_exit_group 252
#define NR_wait4 114
#define NR_mremap 163
#endif
#define MREMAP_MAYMOVE 1
#define O_RDWR 2
#define SIGCHLD 17
#define CLONE_PARENT 0x00008000
#define MAXP 8

static long sys4(long n, long a, long b, long c, long d)
{
	long r;
#ifdef __x86_64__
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
#else
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d) : "memory");
#endif
	return r;
}

__asm__(".text\n.global _start\n_start:\n"
#ifdef __x86_64__
	"	mov %rsp, %rdi\n	and $-16, %rsp\n	call cmain\n"
#else
	"	mov %esp, %eax\n	and $-16, %esp\n	sub $12, %esp\n	push %eax\n	call cmain\n"
#endif
	"	hlt\n");

static int dev;
static int cmd[MAXP + 1][2];
static int ack[2];
static long pid[MAXP + 1];

static void __attribute__((noreturn)) die(long code) { sys4(NR_exit_group, code, 0, 0, 0); for (;;) ; }

/* "VERB n" or "VERB n m" to the module (BEGIN/END n: step n's markers; FORKED n pid; PID p). */
static long say(const char *text, long n, long m, int two)
{
	char b[96]; long k = 0, i;
	long v[2] = { n, m };
	for (i = 0; text[i] && k < 60; i++) b[k++] = text[i];
	for (i = 0; i < (two ? 2 : 1); i++) {
		char d[24]; int j = 0; long x = v[i]; int neg = x < 0;
		if (neg) x = -x;
		do { d[j++] = '0' + x % 10; x /= 10; } while (x);
		b[k++] = ' ';
		if (neg) b[k++] = '-';
		while (j) b[k++] = d[--j];
	}
	return sys4(NR_write, dev, (long)b, k, 0);
}

static long num(const char **p)
{
	unsigned long v = 0;	/* a 32-bit user address can be above LONG_MAX */
	while (**p >= '0' && **p <= '9') v = v * 10 + (unsigned long)(*(*p)++ - '0');
	return (long)v;
}

/* A process's loop: read a command (op, step, child slot), do it, answer (ok, and a pid). */
static void __attribute__((noreturn)) worker(int slot)
{
	long c[3], a[2];
	/* The first process is the scenario's own: the module's messages name its pid. */
	if (slot == 1) say("PID", sys4(NR_getpid, 0, 0, 0, 0), 0, 0);
	for (;;) {
		if (sys4(NR_read, cmd[slot][0], (long)c, sizeof(c), 0) != sizeof(c)) die(3);
		a[0] = 0; a[1] = 0;
		if (c[0] == 'R') {
			a[0] = say("RUN", c[1], 0, 0) < 0;
		} else if (c[0] == 'F') {
			long pid;
			say("BEGIN", c[1], 0, 0);
			pid = sys4(NR_clone, SIGCHLD | CLONE_PARENT, 0, 0, 0);
			if (pid == 0) worker((int)c[2]);
			a[0] = pid < 0;
			a[1] = pid;
		} else if (c[0] == 'M') {
			/* mremap(addr, old_size, new_size, MREMAP_MAYMOVE): the module says the arguments. */
			char b[96]; long n, v[3] = { 0, 0, 0 }, r; int j = 0; const char *q = b;
			say("BEGIN", c[1], 0, 0);
			say("ARGS", c[1], 0, 0);
			n = sys4(NR_read, dev, (long)b, sizeof(b) - 1, 0);
			if (n <= 0) die(5);
			b[n] = 0;
			for (j = 0; j < 3; j++) { v[j] = num(&q); if (*q) q++; }
			r = sys4(NR_mremap, v[0], v[1], v[2], MREMAP_MAYMOVE);
			say("MREMAPPED", c[1], r, 1);
			say("END", c[1], 0, 0);
		} else if (c[0] == 'X' || c[0] == 'Q') {
			sys4(NR_write, ack[1], (long)a, sizeof(a), 0);
			die(0);
		}
		sys4(NR_write, ack[1], (long)a, sizeof(a), 0);
	}
}

void cmain(long *sp)
{
	int argc = (int)sp[0], i, s;
	char **argv = (char **)(sp + 1);
	long c[3], a[2], st;
	int stopped = 0;
	dev = (int)sys4(NR_open, (long)"/dev/patprobe", O_RDWR, 0, 0);
	if (dev < 0) die(2);
	for (s = 1; s <= MAXP; s++) if (sys4(NR_pipe, (long)cmd[s], 0, 0, 0) < 0) die(2);
	if (sys4(NR_pipe, (long)ack, 0, 0, 0) < 0) die(2);
	say("CTL", sys4(NR_getpid, 0, 0, 0, 0), 0, 0);
	pid[1] = sys4(NR_clone, SIGCHLD, 0, 0, 0);
	if (pid[1] == 0) worker(1);
	for (i = 1; i < argc && !stopped; i++) {
		const char *p = argv[i];
		int slot = (int)num(&p);
		if (slot < 0 || slot > MAXP || (slot && !pid[slot]) || *p++ != ':') die(4);
		c[0] = *p++;
		c[1] = num(&p);
		c[2] = 0;
		if (c[0] == 'F') {
			if (*p++ != ':') die(4);
			c[2] = num(&p);
			if (c[2] < 1 || c[2] > MAXP || pid[c[2]]) die(4);
		}
		if (c[0] == 'X') say("BEGIN", c[1], 0, 0);
		if (slot == 0) {
			/* The controller's own step (no pid, the first process gone). */
			if (c[0] != 'R') die(4);
			if (say("RUN", c[1], 0, 0) < 0) stopped = 1;
			continue;
		}
		sys4(NR_write, cmd[slot][1], (long)c, sizeof(c), 0);
		if (sys4(NR_read, ack[0], (long)a, sizeof(a), 0) != sizeof(a)) die(3);
		if (c[0] == 'F') {
			/* The module prints the fork's return value and the child's pid. */
			if (!a[0]) pid[c[2]] = a[1];
			say("FORKED", c[1], a[1], 1);
			say("END", c[1], 0, 0);
		} else if (c[0] == 'X') {
			/* The exit ends when the process is gone: its mm is torn down before it is a zombie. */
			sys4(NR_wait4, pid[slot], (long)&st, 0, 0);
			pid[slot] = 0;
			say("END", c[1], 0, 0);
		} else if (a[0]) stopped = 1;
	}
	sys4(NR_write, dev, (long)"FINAL", 5, 0);
	for (s = 1; s <= MAXP; s++) {
		if (!pid[s]) continue;
		c[0] = 'Q'; c[1] = 0; c[2] = 0;
		sys4(NR_write, cmd[s][1], (long)c, sizeof(c), 0);
		sys4(NR_read, ack[0], (long)a, sizeof(a), 0);
		sys4(NR_wait4, pid[s], (long)&st, 0, 0);
	}
	die(0);
}
