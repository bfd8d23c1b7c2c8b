// The Node.js entry of the edge build is initialised on import; its API is the generated one.
export * from "./credgate_edge.js";
export { default } from "./credgate_edge.js";
