/**
 * `current`: the task a kernel function runs as. Messages name it `%s:%d`
 * (`current->comm`, `current->pid`); its mm is `current->mm`. It is part of
 * the context the kernel's functions are handed (`KernelContext.current`),
 * and the memtype code reads it through the same context, so a memtype
 * trace (which runs memtype.c without a whole kernel) supplies one too.
 */

/** The task a message names as `%s:%d` (`current->comm`, `current->pid`). */
export interface Task {
  comm: string;
  pid: number;
  /** What `%pS` of `__builtin_return_address(0)` prints for this call (e.g. `pattest_init+0x6d/0x1000 [pattest]`), when the scenario names it. */
  caller?: string;
}

/** What holds `current`: the kernel itself, or a memtype trace's own context. */
export interface CurrentTask {
  current: Task;
}

/** The idle task, `current` before init exists (boot runs as pid 0). */
export function idleTask(): Task {
  return { comm: 'swapper', pid: 0 };
}
