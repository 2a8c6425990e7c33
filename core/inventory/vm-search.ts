// The VM search's SQL lives in the inventory's store file (one owner per table).
export { countVms, searchVms, vmTextMatch, type VmFilter } from './inventory-store.js';
