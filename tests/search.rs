//! The search index stays equal to a freshly built one through adds, edits, renames, trash,
//! restore, undo and redo, on both engines.

mod common;
use crm::domain::*;
use crm::services::search::{Query, SearchIndex};
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
