// The Node.js entry is initialised on import; its API is the generated one.
export * from "./credgate.js";
export { default } from "./credgate.js";
