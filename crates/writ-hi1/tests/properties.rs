//! What holds for every well-formed order, whatever its tasks: the demand is the union
//! of its tasks, each task points at its own identifiers, and the demand reads back
//! from its native JSON unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

mod common;

use common::{authority, context};
use proptest::prelude::*;
use writ_core::{Category, Demand};
use writ_hi1::{Hi1Config, Message, map_message};

const REQUEST_TYPES: [&str; 6] = [
    "SubscriberData",
    "UserIdentifyingData",
    "TrafficData",
    "StoredContentData",
    "SubscriberDataAndUserIdentifyingData",
    "TrafficDataAndStoredContentData",
];

/// A format and a value of it.
fn identifier() -> impl Strategy<Value = (&'static str, String)> {
    prop_oneof![
        "[a-z]{1,8}@[a-z]{1,8}\\.(com|de|eu)".prop_map(|v| ("EmailAddress", v)),
        "[1-9][0-9]{7,13}".prop_map(|v| ("InternationalE164", v)),
        (1u8..=223, any::<u8>(), any::<u8>(), 1u8..=254)
            .prop_map(|(a, b, c, d)| ("IPv4Address", format!("{a}.{b}.{c}.{d}"))),
        "[A-Za-z0-9]{1,20}".prop_map(|v| ("ServiceAccessIdentifier", v)),
        "[0-9]{15}".prop_map(|v| ("IMEI", v)),
    ]
}

#[derive(Clone, Debug)]
struct Task {
    request_type: Option<usize>,
    /// Days into 2026-08 for the start, and the length in days.
    period: Option<(u8, u8)>,
    observed: bool,
    values: Vec<(&'static str, String)>,
}

fn task() -> impl Strategy<Value = Task> {
    (
        proptest::option::of(0..REQUEST_TYPES.len()),
        proptest::option::of((1u8..=28, 0u8..=30)),
        any::<bool>(),
        proptest::collection::vec(identifier(), 1..4),
    )
        .prop_map(|(request_type, period, observed, values)| Task {
            request_type,
            period,
            observed,
            values,
        })
}

fn message(tasks: &[Task]) -> String {
    let mut actions = String::new();
    for (i, task) in tasks.iter().enumerate() {
        let mut details = String::new();
        if let Some(t) = task.request_type {
            details.push_str(&format!(
                "<task:Type><common:Owner>ETSI</common:Owner><common:Name>RequestType</common:Name><common:Value>{}</common:Value></task:Type>",
                REQUEST_TYPES[t]
            ));
        }
        if let Some((start, days)) = task.period {
            let end = u32::from(start) + u32::from(days);
            let (month, day) = if end > 31 { (9, end - 31) } else { (8, end) };
            details.push_str(&format!(
                "<task:StartTime>2026-08-{start:02}T00:00:00Z</task:StartTime><task:EndTime>2026-{month:02}-{day:02}T00:00:00Z</task:EndTime>"
            ));
        }
        if task.observed {
            details.push_str("<task:ObservedTimes>2026-08-10T12:00:00Z</task:ObservedTimes>");
        }
        details.push_str("<task:RequestValues>");
        for (format, value) in &task.values {
            details.push_str(&format!(
                "<task:RequestValue><task:FormatType><task:FormatOwner>ETSI</task:FormatOwner><task:FormatName>{format}</task:FormatName></task:FormatType><task:Value>{value}</task:Value></task:RequestValue>"
            ));
        }
        details.push_str("</task:RequestValues>");
        actions.push_str(&format!(
            r#"<ActionRequest><ActionIdentifier>{}</ActionIdentifier><CREATE><HI1Object xsi:type="task:LDTaskObject">
                <ObjectIdentifier>0c000000-0000-4000-8000-{:012}</ObjectIdentifier>
                <AssociatedObjects><AssociatedObject>0c000000-0000-4000-8000-000000000000</AssociatedObject></AssociatedObjects>
                <task:RequestDetails>{details}</task:RequestDetails>
            </HI1Object></CREATE></ActionRequest>"#,
            i + 1,
            i + 1
        ));
    }
    format!(
        r#"<HI1Message xmlns="http://uri.etsi.org/03120/common/2019/10/Core" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:common="http://uri.etsi.org/03120/common/2016/02/Common" xmlns:task="http://uri.etsi.org/03120/common/2020/09/Task" xmlns:auth="http://uri.etsi.org/03120/common/2020/09/Authorisation">
        <Header>
            <SenderIdentifier><CountryCode>DE</CountryCode><UniqueIdentifier>A</UniqueIdentifier></SenderIdentifier>
            <ReceiverIdentifier><CountryCode>IE</CountryCode><UniqueIdentifier>B</UniqueIdentifier></ReceiverIdentifier>
            <TransactionIdentifier>0c000000-0000-4000-8000-ffffffffffff</TransactionIdentifier>
            <Timestamp>2026-09-01T07:59:00.000000Z</Timestamp>
            <Version><ETSIVersion>V1.22.1</ETSIVersion><NationalProfileOwner>EU</NationalProfileOwner><NationalProfileVersion>v1.0</NationalProfileVersion></Version>
        </Header>
        <Payload><RequestPayload><ActionRequests>
            <ActionRequest><ActionIdentifier>0</ActionIdentifier><CREATE><HI1Object xsi:type="auth:AuthorisationObject">
                <ObjectIdentifier>0c000000-0000-4000-8000-000000000000</ObjectIdentifier>
                <auth:AuthorisationReference>P-1</auth:AuthorisationReference>
                <auth:AuthorisationLegalType><common:Owner>EU</common:Owner><common:Name>EPOCLegalType</common:Name><common:Value>EPOC</common:Value></auth:AuthorisationLegalType>
            </HI1Object></CREATE></ActionRequest>
            {actions}
        </ActionRequests></RequestPayload></Payload>
    </HI1Message>"#
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_demand_is_the_union_of_its_tasks_and_reads_back_unchanged(
        tasks in proptest::collection::vec(task(), 1..6)
    ) {
        let xml = message(&tasks);
        let parsed = Message::from_xml(xml.as_bytes()).unwrap();
        let authority = authority();
        let config = Hi1Config::default();
        let mapped = map_message(&parsed, &context(&authority, &config)).unwrap();
        prop_assert_eq!(mapped.demands.len(), 1);
        let d = &mapped.demands[0];
        prop_assert_eq!(d.tasks.len(), tasks.len());

        // Categories: each task's, in order of first appearance, none twice.
        let mut union: Vec<Category> = Vec::new();
        for t in &d.tasks {
            prop_assert!(!t.categories.is_empty());
            for c in &t.categories {
                if !union.contains(c) {
                    union.push(*c);
                }
            }
        }
        prop_assert_eq!(&d.demand.categories, &union);

        // Targets: every one belongs to exactly one task, in the order given.
        let mut owned = vec![0; d.demand.targets.len()];
        for (t, given) in d.tasks.iter().zip(&tasks) {
            prop_assert!(t.targets.len() >= given.values.len());
            for i in &t.targets {
                owned[*i] += 1;
            }
            prop_assert_eq!(t.categories_inferred, given.request_type.is_none());
        }
        prop_assert!(owned.iter().all(|n| *n == 1), "{:?}", owned);

        // The period covers every task's.
        for t in &d.tasks {
            if let (Some(task), Some(all)) = (t.period, d.demand.period) {
                prop_assert!(all.from() <= task.from() && task.to() <= all.to());
            }
        }

        let native = writ_hi1::native::to_json(&d.demand).to_string();
        prop_assert_eq!(&Demand::from_json(&native).unwrap(), &d.demand);
    }
}
