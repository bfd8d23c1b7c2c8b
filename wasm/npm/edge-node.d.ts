// The Node.js entry of the edge build is initialised on import; its API is the edge entry's.
export * from "./edge.js";
export { default } from "./edge.js";
