//! ward-aws against moto (`WARD_TEST_MOTO_URL`, started by `scripts/test`): every adapter through
//! the real AWS SDK. Without moto the tests say so loudly and pass, except with `CI=true`.

mod accounts;
mod moto;
