/* tslint:disable */
/* eslint-disable */
export const memory: WebAssembly.Memory;
export const __wbg_permissionset_free: (a: number, b: number) => void;
export const __wbg_verifier_free: (a: number, b: number) => void;
export const permissionset_authorize: (a: number, b: any, c: any) => [number, number, number];
export const permissionset_new: (a: any) => [number, number, number];
export const permissionset_permissions: (a: number) => [number, number, number];
export const verifier_check: (a: number, b: any) => [number, number, number];
export const verifier_loadRevocations: (a: number, b: any) => [number, number, number];
export const verifier_new: (a: any, b: any) => [number, number, number];
export const verifier_revocationsEpoch: (a: number) => any;
export const verifier_verify: (a: number, b: any, c: any) => [number, number, number];
export const wasm_bindgen__convert__closures_____invoke__h6f355cd69c485836: (a: number, b: number, c: any, d: any) => [number, number, number];
export const __wbindgen_malloc: (a: number, b: number) => number;
export const __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
export const __wbindgen_free: (a: number, b: number, c: number) => void;
export const __wbindgen_exn_store: (a: number) => void;
export const __externref_table_alloc: () => number;
export const __wbindgen_externrefs: WebAssembly.Table;
export const __wbindgen_destroy_closure: (a: number, b: number) => void;
export const __externref_table_dealloc: (a: number) => void;
export const __wbindgen_start: () => void;
