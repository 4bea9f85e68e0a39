//! The desks in-process, without HTTP: a caller is authenticated from a credential,
//! admitted to a role, and works a case through its desk, on SQLite and on PostgreSQL
//! (ignored, saying so, without `WRIT_TEST_DATABASE_URL`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

use std::sync::Arc;

use serde_json::json;
use writ_app::access::{Admit, AgencyUser, Approver, Caller, Credential, Reviewer, Staff};
use writ_app::credentials::{API_TOKEN_PREFIX, csrf_token, hash_password, new_token};
use writ_app::{App, AppError, Policy};
use writ_core::identifier::PhoneNumber;
use writ_core::policy::Rules;
use writ_core::review::Recommendation;
use writ_core::{
    Actor, AgencyId, CaseState, Clock, CountryCode, ManualClock, Role, Timestamp, UserId, Username,
};
use writ_store::testing::TestDatabase;
use writ_store::{Agency, NewUser};

const EXAMPLE: &str = include_str!("../../writ-core/tests/demands/policy-example.json");

macro_rules! on_both_backends {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $test() {
                let db = writ_store::testing::TestDatabase::sqlite().await.unwrap();
                super::$test(db).await;
            })+
        }
        mod postgres {
            $(#[tokio::test]
            #[cfg_attr(
                not(writ_postgres),
                ignore = "PostgreSQL: set WRIT_TEST_DATABASE_URL to run (scripts/test does)"
            )]
            async fn $test() {
                let db = writ_store::testing::TestDatabase::postgres().await.unwrap();
                super::$test(db.expect("WRIT_TEST_DATABASE_URL names a PostgreSQL server")).await;
            })+
        }
    };
}

on_both_backends!(
    a_case_is_worked_through_its_desks_with_four_eyes,
    a_role_admits_only_its_holders,
    a_session_changes_nothing_without_its_csrf_token,
);

/// An app over a test database, and the API tokens of the people in it.
struct World {
    app: App,
    _db: TestDatabase,
    agency: String,
    reviewer: String,
    approver: String,
    second_approver: String,
}

async fn world(db: TestDatabase) -> World {
    let clock = Arc::new(ManualClock::new(
        Timestamp::parse("2026-03-02T09:00:00Z").unwrap(),
    ));
    let store = db.store.clone();
    store
        .add_agency(
            &Agency {
                id: AgencyId::parse("seattle-pd").unwrap(),
                name: "Seattle Police Department".into(),
                country: CountryCode::parse("US").unwrap(),
                email_domains: vec!["seattle.gov".into()],
                callback_phone: PhoneNumber::parse("+12065550100").unwrap(),
                age_recipient: None,
                created_at: clock.now(),
            },
            &Actor::Operator,
        )
        .await
        .unwrap();
    let policy = Policy {
        rules: Rules::embedded().unwrap(),
        directory: None,
    };
    let app = App::new(store, clock, Arc::new(policy));
    World {
        agency: person(
            &app,
            &db,
            "areyes@seattle.gov",
            Role::Agency,
            Some("seattle-pd"),
        )
        .await,
        reviewer: person(&app, &db, "rita", Role::Reviewer, None).await,
        approver: person(&app, &db, "alex", Role::Approver, None).await,
        second_approver: person(&app, &db, "sam", Role::Approver, None).await,
        app,
        _db: db,
    }
}

/// Adds a person and returns their API token.
async fn person(
    app: &App,
    db: &TestDatabase,
    name: &str,
    role: Role,
    agency: Option<&str>,
) -> String {
    let username = Username::parse(name).unwrap();
    let agency = agency.map(|a| AgencyId::parse(a).unwrap());
    let hash = hash_password(&format!("correct horse battery {name}")).unwrap();
    let user = NewUser {
        id: UserId::random(),
        username: &username,
        role,
        agency_id: agency.as_ref(),
        password_hash: hash.as_str(),
        totp_secret: "JBSWY3DPEHPK3PXP",
    };
    let now = app.clock.now();
    db.store
        .add_user(&user, &Actor::Operator, now)
        .await
        .unwrap();
    let stored = db.store.user_by_name(&username).await.unwrap().unwrap();
    let (token, token_hash) = new_token(API_TOKEN_PREFIX).unwrap();
    db.store
        .issue_token(token_hash.as_str(), &stored, "tests", &Actor::Operator, now)
        .await
        .unwrap();
    token.expose().to_owned()
}

async fn admit<R: Admit>(app: &App, token: &str) -> Result<R, AppError> {
    R::admit(app.authenticate(Credential::Token(token)).await?)
}

fn recommendation(value: serde_json::Value) -> Recommendation {
    Recommendation::from_value(value).unwrap()
}

async fn a_case_is_worked_through_its_desks_with_four_eyes(db: TestDatabase) {
    let w = world(db).await;
    let agency: AgencyUser = admit(&w.app, &w.agency).await.unwrap();
    let case = agency.desk(&w.app).submit(EXAMPLE).await.unwrap();
    assert_eq!(case.state, CaseState::Received);

    let approver: Approver = admit(&w.app, &w.approver).await.unwrap();
    let approver_as_reviewer: Reviewer = admit(&w.app, &w.approver).await.unwrap();
    approver_as_reviewer
        .desk(&w.app)
        .recommend(
            case.id,
            &recommendation(json!({"recommendation": "approve", "reason": "in order"})),
        )
        .await
        .unwrap();
    let own = approver.desk(&w.app).approve(case.id, "looks fine").await;
    assert!(
        matches!(own, Err(AppError::ForbiddenBecause(_))),
        "no one approves their own recommendation: {own:?}"
    );

    let second: Approver = admit(&w.app, &w.second_approver).await.unwrap();
    let approved = second
        .desk(&w.app)
        .approve(case.id, "the warrant covers it")
        .await
        .unwrap();
    assert_eq!(approved.state, CaseState::Approved);

    let staff: Staff = admit(&w.app, &w.reviewer).await.unwrap();
    let history = staff
        .desk(&w.app)
        .history(case.id, None, 100)
        .await
        .unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    for action in ["case.opened", "case.recommended", "case.approved"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

async fn a_role_admits_only_its_holders(db: TestDatabase) {
    let w = world(db).await;
    let refused = admit::<Staff>(&w.app, &w.agency).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let refused = admit::<Approver>(&w.app, &w.reviewer).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let refused = admit::<AgencyUser>(&w.app, &w.reviewer).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let unknown = admit::<Caller>(&w.app, "writ_at_not-a-token").await;
    assert!(
        matches!(unknown, Err(AppError::Unauthorized(_))),
        "{unknown:?}"
    );
    let nothing = w.app.authenticate(Credential::None).await;
    assert!(
        matches!(nothing, Err(AppError::Unauthorized(_))),
        "{nothing:?}"
    );
    let reviewer: Reviewer = admit(&w.app, &w.reviewer).await.unwrap();
    assert_eq!(reviewer.caller().user().role, Role::Reviewer);
}

async fn a_session_changes_nothing_without_its_csrf_token(db: TestDatabase) {
    let w = world(db).await;
    let store = w.app.unsafe_store();
    let user = store
        .user_by_name(&Username::parse("rita").unwrap())
        .await
        .unwrap()
        .unwrap();
    let (_, secret, _) = writ_app::login::open_session(&w.app, user).await.unwrap();
    let session = |csrf, changes_state| Credential::Session {
        secret: secret.expose(),
        csrf,
        changes_state,
    };
    assert!(w.app.authenticate(session(None, false)).await.is_ok());
    let refused = w.app.authenticate(session(None, true)).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let refused = w.app.authenticate(session(Some("forged"), true)).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let token = csrf_token(&secret);
    let caller = w
        .app
        .authenticate(session(Some(&token), true))
        .await
        .unwrap();
    assert_eq!(caller.user().username.as_str(), "rita");
}
