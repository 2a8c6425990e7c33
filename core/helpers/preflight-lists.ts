// The class and its SQL live in the table's store file (one owner per table).
export { PreflightLists } from './preflight-list-store.js';
