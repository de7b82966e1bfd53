// The benchmarked function, the same file for fn's invoker and for faas-js-runtime.
module.exports = {handle: () => 'Hello world'};
