export function handle() { return "ok" }
