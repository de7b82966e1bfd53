// Run independent reads at the same time, but fail deterministically: when several reject (e.g. RBAC
// denies both the Service and the Revision read), report the first in argument order, so a user
// always sees the error about the object they asked for, not whichever answer came back first.
export async function sideBySide<T extends readonly unknown[]>(promises: {[K in keyof T]: Promise<T[K]> | T[K]}): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
