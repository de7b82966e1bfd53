// The benchmarked function, the same file for fn's invoker and for faas-js-runtime (an ES module, like
// the node templates).
export function handle() {
  return 'Hello world';
}
