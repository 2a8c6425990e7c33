// Pools and allocations own the ip_* tables; the class and its SQL live in the store file.
export * from './ipam-store.js';
