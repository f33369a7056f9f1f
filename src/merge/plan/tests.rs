use super::*;

fn step(branch: &str, kind: StepKind, tip: Option<u8>) -> Step {
    let tip_after = tip.map(|b| ObjectId::from_bytes_or_panic(&[b; 20]));
    Step {
        branch: branch.into(),
        kind,
        tip_after,
        touched: BTreeSet::new(),
    }
}

#[test]
fn merge_messages_follow_git_suppress_dest() {
    let default = vec!["main".to_owned(), "master".to_owned()];
    assert_eq!(
        merge_message("feature/x", "main", &default),
        "Merge branch 'feature/x'\n"
    );
    assert_eq!(
        merge_message("feature/x", "master", &default),
        "Merge branch 'feature/x'\n"
    );
    assert_eq!(
        merge_message("feature/x", "dev", &default),
        "Merge branch 'feature/x' into dev\n"
    );
    let globs = vec!["release/*".to_owned()];
    assert_eq!(
        merge_message("x", "release/1.0", &globs),
        "Merge branch 'x'\n"
    );
    assert_eq!(
        merge_message("x", "main", &globs),
        "Merge branch 'x' into main\n"
    );
}

#[test]
fn landing_tip_stops_before_the_first_conflict() {
    let before = ObjectId::from_bytes_or_panic(&[9; 20]);
    let plan = Plan {
        steps: vec![
            step("a", StepKind::FastForward, Some(1)),
            step("b", StepKind::AlreadyMerged, Some(1)),
            step("c", StepKind::Conflict(vec!["x".into()]), None),
            step("d", StepKind::Merge, Some(4)),
        ],
        stop: Some(2),
    };
    assert_eq!(
        plan.landing_tip(before),
        Some(ObjectId::from_bytes_or_panic(&[1; 20]))
    );
    assert_eq!(plan.reflog_message(), "merge a: Fast-forward");
    let nothing = Plan {
        steps: vec![step("a", StepKind::AlreadyMerged, Some(9))],
        stop: None,
    };
    assert_eq!(nothing.landing_tip(before), None);
}
