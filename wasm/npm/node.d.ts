// The Node.js entry is initialised on import; its API is the web entry's.
export * from "./web.js";
export { default } from "./web.js";
