//! The one rule that turns several sources' answers for a row into its verdict, used by every
//! path that consults more than one source (IAM's simulator, the local engine with the
//! resource's own policy, what the organization's and the session's policies may do, the
//! bucket's default encryption): a row is PASS only when every source that can decide it
//! allows and none of them is unsure. Pure: no I/O.
//!
//! - Any source that *denies* (definitely: AWS would deny whatever the others say) makes the
//!   row FAIL, whatever the others answer: an explicit deny, an SCP or boundary that does not
//!   allow, a resource policy that does not grant cross-account access all deny on their own
//!   (reference_policies_evaluation-logic: "an explicit deny in any of these policies overrides
//!   the allow"; every guardrail must allow).
//! - Otherwise any *unsure* source makes it INCONCLUSIVE: what it cannot see may deny.
//! - Otherwise it is PASS when at least one source allows; a source may *abstain* on a row it
//!   has no say on, but a row on which every source abstains is INCONCLUSIVE, never PASS.

use crate::report::model::{Answer, ReasonCode, SourceAnswer, Verdict};

/// A row's verdict from its sources' answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Combined {
    pub verdict: Verdict,
    pub code: ReasonCode,
    pub reason: String,
    /// The answers, in the order given, each marked decisive or not.
    pub sources: Vec<SourceAnswer>,
}

/// Combines the answers of every source consulted for a row (see the module doc). The order
/// matters only for which reason is shown when several sources deny, or several are unsure:
/// the first one's.
pub fn combine(mut answers: Vec<SourceAnswer>) -> Combined {
    let decisive_kind = if answers.iter().any(|a| a.answer == Answer::Deny) {
        Some((Answer::Deny, Verdict::Fail))
    } else if answers.iter().any(|a| a.answer == Answer::Unsure) {
        Some((Answer::Unsure, Verdict::Inconclusive))
    } else if answers.iter().any(|a| a.answer == Answer::Allow) {
        Some((Answer::Allow, Verdict::Pass))
    } else {
        None
    };
    let Some((kind, verdict)) = decisive_kind else {
        for a in &mut answers {
            a.decisive = false;
        }
        return Combined {
            verdict: Verdict::Inconclusive,
            code: ReasonCode::NoResult,
            reason: "no source could decide this row".into(),
            sources: answers,
        };
    };
    for a in &mut answers {
        a.decisive = a.answer == kind;
    }
    let first = answers
        .iter()
        .find(|a| a.answer == kind)
        .expect("the decisive kind is present");
    let (code, mut reason) = (first.code, first.reason.clone());
    // Further doubts are named, so fixing the first one does not hide the next.
    if kind == Answer::Unsure {
        let others: Vec<&str> = answers
            .iter()
            .filter(|a| a.answer == Answer::Unsure && a.source != first.source)
            .map(|a| a.source.label())
            .collect();
        if !others.is_empty() {
            reason.push_str(&format!(" (also unsure: {})", others.join(", ")));
        }
    }
    Combined {
        verdict,
        code,
        reason,
        sources: answers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{Source, decided_by_note};

    fn a(source: Source, answer: Answer) -> SourceAnswer {
        let code = match answer {
            Answer::Allow => ReasonCode::Allowed,
            Answer::Deny => ReasonCode::ExplicitDeny,
            Answer::Unsure => ReasonCode::MissingContext,
            Answer::Abstain => ReasonCode::NoAllow,
        };
        SourceAnswer {
            source,
            answer,
            code,
            reason: format!("{} says {answer:?}", source.label()),
            decisive: false,
        }
    }

    use Answer::{Abstain, Allow, Deny, Unsure};
    use Source::{Local, Organizations, Session, Simulator};

    /// The rule, as a table: the answers of the sources consulted, and the verdict.
    #[test]
    fn pass_only_when_every_deciding_source_allows_and_none_is_unsure() {
        let table: &[(&[(Source, Answer)], Verdict)] = &[
            (&[], Verdict::Inconclusive),
            (&[(Simulator, Allow)], Verdict::Pass),
            (&[(Simulator, Allow), (Local, Allow)], Verdict::Pass),
            (&[(Simulator, Abstain), (Local, Allow)], Verdict::Pass),
            (&[(Simulator, Abstain)], Verdict::Inconclusive),
            (
                &[(Simulator, Abstain), (Local, Abstain)],
                Verdict::Inconclusive,
            ),
            (&[(Simulator, Unsure)], Verdict::Inconclusive),
            // Issue 17, case 1: the simulator's doubt is not thrown away when the local
            // engine allows.
            (
                &[(Simulator, Unsure), (Local, Allow)],
                Verdict::Inconclusive,
            ),
            (
                &[(Simulator, Allow), (Local, Unsure)],
                Verdict::Inconclusive,
            ),
            (
                &[(Simulator, Allow), (Local, Allow), (Organizations, Unsure)],
                Verdict::Inconclusive,
            ),
            (
                &[(Simulator, Allow), (Session, Unsure)],
                Verdict::Inconclusive,
            ),
            (&[(Simulator, Deny), (Local, Allow)], Verdict::Fail),
            (&[(Simulator, Allow), (Local, Deny)], Verdict::Fail),
            (&[(Simulator, Deny), (Local, Unsure)], Verdict::Fail),
            (
                &[(Simulator, Unsure), (Organizations, Unsure), (Local, Deny)],
                Verdict::Fail,
            ),
            (&[(Simulator, Abstain), (Local, Deny)], Verdict::Fail),
            (&[(Simulator, Deny), (Local, Deny)], Verdict::Fail),
        ];
        for (answers, want) in table {
            let got = combine(answers.iter().map(|(s, x)| a(*s, *x)).collect());
            assert_eq!(got.verdict, *want, "{answers:?}");
            // Never PASS with a Deny or an Unsure among the answers.
            if answers.iter().any(|(_, x)| matches!(x, Deny | Unsure)) {
                assert_ne!(got.verdict, Verdict::Pass, "{answers:?}");
            }
        }
    }

    #[test]
    fn the_decisive_sources_are_marked_and_the_first_reason_shown() {
        let got = combine(vec![
            a(Local, Allow),
            a(Simulator, Unsure),
            a(Organizations, Unsure),
        ]);
        assert_eq!(got.code, ReasonCode::MissingContext);
        assert_eq!(
            got.reason,
            "IAM's simulator says Unsure (also unsure: organization policies)"
        );
        let decisive: Vec<Source> = got
            .sources
            .iter()
            .filter(|s| s.decisive)
            .map(|s| s.source)
            .collect();
        assert_eq!(decisive, vec![Simulator, Organizations]);
        assert_eq!(
            decided_by_note(&got.sources),
            "doubt: IAM's simulator + organization policies"
        );

        let got = combine(vec![a(Local, Deny), a(Simulator, Allow)]);
        assert_eq!(
            (got.verdict, got.code),
            (Verdict::Fail, ReasonCode::ExplicitDeny)
        );
        assert_eq!(decided_by_note(&got.sources), "decided by local engine");

        let got = combine(vec![a(Local, Allow), a(Simulator, Allow)]);
        assert_eq!(
            decided_by_note(&got.sources),
            "decided by local engine + IAM's simulator"
        );
        assert_eq!(decided_by_note(&got.sources[..1]), "");
    }

    /// Adding a source's doubt or denial to any set of answers never gives PASS, and adding
    /// an Allow never turns a row some source denies or doubts into PASS.
    #[test]
    fn more_answers_never_make_a_pass_out_of_a_non_pass() {
        let all = [Allow, Deny, Unsure, Abstain];
        let sources = [Simulator, Local, Organizations];
        for x in all {
            for y in all {
                for z in all {
                    let base = vec![a(sources[0], x), a(sources[1], y)];
                    let mut more = base;
                    more.push(a(sources[2], z));
                    let after = combine(more).verdict;
                    if [x, y].iter().any(|v| matches!(v, Deny | Unsure)) {
                        assert_ne!(after, Verdict::Pass, "{x:?} {y:?} + {z:?}");
                    }
                    if z != Allow && z != Abstain {
                        assert_ne!(after, Verdict::Pass, "{x:?} {y:?} + {z:?}");
                    }
                }
            }
        }
    }
}
