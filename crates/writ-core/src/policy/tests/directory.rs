//! The directory file of `docs/policy.md` §3.6.

use super::*;
use crate::identifier::{Identifier, TargetKind};

fn parse(doc: &Value) -> Result<DirectoryFile, DirectoryError> {
    DirectoryFile::from_json(&doc.to_string())
}

fn valid() -> Value {
    json!({
        "accounts": [
            {"id": "a1", "identifiers": [{"type": "email", "value": "Alice@Example.com"}, {"type": "phone", "value": "+12065550100"}], "tenant": "t1"},
            {"id": "a2", "identifiers": [{"type": "ip", "value": "203.0.113.9"}], "tenant": null}
        ],
        "tenants": [{"id": "t1", "name": "Contoso", "seats": 500, "admin_email": "admin@contoso.example"}]
    })
}

#[test]
fn resolves_identifiers_to_accounts_and_tenants() {
    let directory = parse(&valid()).unwrap();
    let alice = Identifier::parse_specific(TargetKind::Email, "alice@example.com").unwrap();
    let account = directory.resolve(&alice, None).unwrap();
    assert_eq!(account.id, "a1");
    let tenant = account.tenant.unwrap();
    assert_eq!((tenant.name.as_str(), tenant.seats), ("Contoso", 500));
    assert_eq!(tenant.admin_email.as_str(), "admin@contoso.example");
    let ip = Identifier::parse_specific(TargetKind::Ip, "203.0.113.9").unwrap();
    assert_eq!(directory.resolve(&ip, None).unwrap().tenant, None);
    let stranger = Identifier::parse_specific(TargetKind::Email, "eve@example.com").unwrap();
    assert_eq!(directory.resolve(&stranger, None), None);
    assert_eq!(directory.accounts().len(), 2);
}

#[test]
#[rustfmt::skip]
fn errors_name_the_field() {
    for (edit, field) in [
        (Box::new(|d: &mut Value| d["accounts"][0]["tenant"] = json!("t9")) as Box<dyn Fn(&mut Value)>, "accounts[0].tenant"),
        (Box::new(|d: &mut Value| d["accounts"][1]["identifiers"][0]["value"] = json!("10.0.0.0/8")), "accounts[1].identifiers[0].value"),
        (Box::new(|d: &mut Value| d["accounts"][1]["identifiers"][0]["value"] = json!("not-an-ip")), "accounts[1].identifiers[0].value"),
        (Box::new(|d: &mut Value| d["accounts"][1]["identifiers"][0] = json!({"type": "email", "value": "alice@example.com"})), "accounts[1].identifiers[0].value"),
        (Box::new(|d: &mut Value| d["accounts"][1]["identifiers"][0]["type"] = json!("fax")), "accounts[1].identifiers[0].type"),
        (Box::new(|d: &mut Value| d["accounts"][1]["id"] = json!("a1")), "accounts[1].id"),
        (Box::new(|d: &mut Value| d["accounts"][0]["colour"] = json!("red")), "accounts[0].colour"),
        (Box::new(|d: &mut Value| { d["accounts"][0].as_object_mut().unwrap().remove("identifiers"); }), "accounts[0].identifiers"),
        (Box::new(|d: &mut Value| d["tenants"][0]["seats"] = json!(-1)), "tenants[0].seats"),
        (Box::new(|d: &mut Value| d["tenants"][0]["admin_email"] = json!("nobody")), "tenants[0].admin_email"),
        (Box::new(|d: &mut Value| {
            let again = d["tenants"][0].clone();
            d["tenants"].as_array_mut().unwrap().push(again);
        }), "tenants[1].id"),
        (Box::new(|d: &mut Value| { d.as_object_mut().unwrap().remove("accounts"); }), "accounts"),
    ] {
        let mut doc = valid();
        edit(&mut doc);
        let err = parse(&doc).expect_err(field);
        assert_eq!(err.field, field, "{err}");
        assert!(err.to_string().starts_with(field), "{err}");
    }
}
