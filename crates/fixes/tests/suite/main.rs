//! The fixes' integration tests, in one test binary: which fixes are
//! offered for which last error, the queue actions and fixes applied to a
//! running node, and *stop relaying to on-premises* end to end.

mod actions;
mod offered;
mod stop_relaying;
