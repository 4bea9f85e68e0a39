//! What holds a demand until a person records a check (`gate` findings, such as the
//! emergency call-back of `docs/policy.md` §3.5). The workflow refuses an approval
//! while any of these is not recorded on the case; recording is its business.

use crate::policy::{Code, Decision};

/// The codes of the decision's gate findings, in the decision's order, once each:
/// what must be recorded before the demand may be approved.
pub fn pending_gates(decision: &Decision) -> Vec<Code> {
    let mut codes: Vec<Code> = Vec::new();
    for finding in decision.gates() {
        if !codes.contains(&finding.code) {
            codes.push(finding.code);
        }
    }
    codes
}

/// What clears a gate, to finish "cannot approve until …".
pub fn gate_requirement(code: Code) -> &'static str {
    match code {
        Code::EmergencyVerificationRequired => {
            "a call-back to the requesting authority, on a number known independently of \
             the demand, is recorded"
        }
        Code::ConflictingObligation => {
            "counsel has filed the reasoned objection (Reg. (EU) 2023/1543 Art. 17) or cleared \
             the conflict with a reason"
        }
        Code::ValidationRequired48h => {
            "the order's validation by a judge, court or prosecutor is recorded as cleared"
        }
        _ => "the check this finding asks for is recorded",
    }
}
