//! The search index stays equal to a freshly built one through adds, edits, renames, trash,
//! restore, undo and redo, on both engines.

mod common;
use crm::domain::*;
use crm::services::search::{narrows, Query, SearchIndex};
use crm::services::{Crm, OpenOptions};

fn open(dir: &std::path::Path, engine: &str) -> Crm {
    // Same values in every test: harmless when tests run in parallel.
    std::env::set_var("CRM_NOW", common::NOW);
    std::env::set_var("TZ", "UTC");
    Crm::open(OpenOptions {
        db: Some(dir.join("db")),
        config: Some(dir.join("none.toml")),
        engine: Some(crm::store::EngineKind::parse(engine).unwrap()),
        user: Some("anna".into()),
    })
    .expect("open")
}

#[test]
fn the_index_follows_every_change_and_undo() {
    for engine in common::ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let crm = open(dir.path(), engine);
        let mut idx = SearchIndex::build(crm.store()).unwrap();
        let step = |crm: &Crm, idx: &mut SearchIndex, r: crm::store::Receipt| {
            idx.refresh(crm.store(), &r.touched).unwrap();
            assert_eq!(*idx, SearchIndex::build(crm.store()).unwrap(), "{engine}: after {}", r.summary);
        };
        let input = crm::services::input::ContactInput {
            name: Some("Anna Müller".into()),
            company: Some("Atlas GmbH".into()),
            phones: vec!["+49 30 1234567".into()],
            ..Default::default()
        };
        let r = crm.apply(crm.contact_changes(None, input).unwrap()).unwrap();
        step(&crm, &mut idx, r);
        let deal = crm::services::input::DealInput {
            title: Some("Atlas supply".into()),
            contact: Some("c1".into()),
            ..Default::default()
        };
        let r = crm.apply(crm.deal_changes(None, deal).unwrap()).unwrap();
        step(&crm, &mut idx, r);
        // Renaming the company renames it in the details of its contact and deal.
        let r = crm
            .apply(vec![Change::Edit {
                target: Ref::Company(CompanyId(1)),
                edits: vec![Edit::Name("Atlas AG".into())],
            }])
            .unwrap();
        step(&crm, &mut idx, r);
        assert!(idx.search(&Query::parse("muller"), 5)[0].detail.contains("Atlas AG"));
        let r = crm
            .apply(vec![Change::Edit {
                target: Ref::Contact(ContactId(1)),
                edits: vec![Edit::Name("Anna Schmidt".into())],
            }])
            .unwrap();
        step(&crm, &mut idx, r);
        assert!(idx.search(&Query::parse("muller"), 5).is_empty());
        let r = crm.apply(vec![Change::Trash { target: Ref::Contact(ContactId(1)) }]).unwrap();
        step(&crm, &mut idx, r);
        assert!(idx.search(&Query::parse("schmidt"), 5).is_empty());
        let r = crm.undo().unwrap();
        step(&crm, &mut idx, r);
        assert_eq!(idx.search(&Query::parse("schmidt"), 5)[0].label, "Anna Schmidt");
        for _ in 0..3 {
            let r = crm.undo().unwrap();
            step(&crm, &mut idx, r);
        }
        assert_eq!(idx.search(&Query::parse("muller"), 5)[0].detail, "Atlas GmbH");
        let r = crm.redo().unwrap();
        step(&crm, &mut idx, r);
        let r = crm.apply(vec![Change::Restore { target: Ref::Contact(ContactId(1)) }]);
        assert!(r.is_err(), "not in the trash any more");
    }
}

/// `crm search` matches while reading the store, without keeping an index; it must find what the
/// index finds, in the same order. Typing a query a letter at a time, each keystroke searching
/// only what the previous one matched, must also find what a full search finds.
#[test]
fn one_off_and_narrowed_searches_equal_a_full_search() {
    for engine in common::ENGINES {
        let dir = tempfile::tempdir().unwrap();
        let crm = open(dir.path(), engine);
        crm::services::demo::generate(crm.store(), "anna", crm.now(), 300, 7, &mut |_, _| {}).unwrap();
        // A trashed company's name still shows on its contacts and deals.
        crm.apply(vec![Change::Trash { target: Ref::Company(CompanyId(2)) }]).unwrap();
        let idx = SearchIndex::build(crm.store()).unwrap();
        let queries = [
            "a", "an", "muller", "müller", "MULLER", "garcia", "elodie", "иван", "пет", "γι", "gmbh", "@atl", "$supp",
            "!call", "#vip", "#vip an", "@", "30 12", "+49", "017", "berlin", "ann mul", "zzzz", "é",
        ];
        for q in queries {
            let query = Query::parse(q);
            let full = idx.search(&query, 20);
            let oneoff = SearchIndex::search_store(crm.store(), &query, 20).unwrap();
            assert_eq!(oneoff, full, "{engine}: {q:?}");
            // Typed a letter at a time (as the palette and `crm bench --search` do).
            let mut last: Option<(Query, crm::services::search::Candidates)> = None;
            for n in 1..=q.chars().count() {
                let typed = Query::parse(&q.chars().take(n).collect::<String>());
                let within = last.as_ref().filter(|(p, _)| narrows(p, &typed)).map(|(_, m)| m);
                let (hits, matched) = idx.search_within(&typed, within, 20);
                assert_eq!(hits, idx.search(&typed, 20), "{engine}: {q:?} typed up to {n} letters");
                last = Some((typed, matched));
            }
        }
        assert!(!idx.search(&Query::parse("an"), 20).is_empty());
    }
}
