use writ_core::Role;

use crate::helpers::spawn_app;

const EXAMPLE: &str = include_str!("../../../writ-core/tests/demands/policy-example.json");

#[tokio::test]
async fn the_report_is_public_and_counts_the_cases() {
    let app = spawn_app().await;
    app.add_agency("seattle-pd", "US", "seattle.gov", "+12065550100")
        .await;
    let spd = app
        .add_person("areyes@seattle.gov", Role::Agency, Some("seattle-pd"))
        .await;
    for _ in 0..3 {
        assert_eq!(
            app.post_as(&spd.token, "/api/v1/demands", EXAMPLE).await.0,
            201
        );
    }

    let page = app.get("/transparency?period=2026-H1").await;
    assert_eq!(page.status(), 200, "no sign-in needed");
    // writ's CSP, with one more style source: the hash of the report's own stylesheet.
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.starts_with("default-src 'none'; "), "{csp}");
    assert!(
        csp.contains(&format!(
            "; style-src 'self' {}; ",
            writ_report::stylesheet_csp_source()
        )),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("<style>{}</style>", writ_report::STYLESHEET)),
        "the stylesheet the hash is of"
    );
    // Every other page keeps the plain policy.
    let other = app.get("/login").await;
    assert_eq!(
        other.headers()["content-security-policy"],
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    assert!(
        html.contains("<svg") && html.contains("United States"),
        "{html}"
    );

    let csv = app
        .get("/transparency/report.csv?period=2026-H1")
        .await
        .text()
        .await
        .unwrap();
    let us = csv.lines().find(|l| l.starts_with("US,")).unwrap();
    assert_eq!(us.split(',').nth(2), Some("3"), "three requests: {us}");
    let json: serde_json::Value = app
        .get("/transparency/report.json?period=2026-H1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["case_summaries"], 3);

    // The other half-year has none of them.
    let csv = app
        .get("/transparency/report.csv?period=2026-H2")
        .await
        .text()
        .await
        .unwrap();
    assert!(!csv.lines().any(|l| l.starts_with("US,")), "{csv}");
    assert_eq!(app.get("/transparency?period=2026-H3").await.status(), 400);
    assert_eq!(
        app.get("/transparency/report.csv?style=apple")
            .await
            .status(),
        400
    );
}
