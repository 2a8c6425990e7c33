// The search and its SQL live in the inventory's store file (one owner per table).
export { countVms, ftsQuery, searchVms, type VmFilter } from './vm-search-store.js';
