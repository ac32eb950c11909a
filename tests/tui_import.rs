//! The TUI's import (dry run first, then one change) and side-by-side merge, driven through
//! `update()` with the default keymap and the real worker, plus a snapshot of the merge view.

mod common;

use common::tui::Fixture;
use crm::tui::app::{update, App, Effect, Modal, Msg};
use crm::tui::keymap::Keymap;
use crm::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

impl Fixture {
    fn app(&self) -> App {
        let mut app = App::new("anna".into(), "~/crm".into(), Keymap::default_keymap(), Theme::default_theme());
        app.now = self.crm.now();
        let startup = app.startup();
        self.perform(&mut app, startup);
        app
    }

    fn contacts(&self) -> usize {
        self.crm.contacts(&Default::default()).expect("contacts").len()
    }

    fn add(&self, args: crm::services::input::ContactInput) {
        let changes = self.crm.contact_changes(None, args).expect("changes");
        self.crm.apply(changes).expect("apply");
    }
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ch(app: &mut App, c: char) -> Vec<Effect> {
    let mods = if c.is_uppercase() { KeyModifiers::SHIFT } else { KeyModifiers::NONE };
    update(app, Msg::Key(KeyEvent::new(KeyCode::Char(c), mods)))
}

fn message(app: &App) -> String {
    app.message.as_ref().map(|(m, _)| m.clone()).unwrap_or_default()
}

#[test]
fn import_shows_the_dry_run_first_then_imports_in_one_undoable_change() {
    let fx = Fixture::empty();
    let file = fx.dir.path().join("people.csv");
    std::fs::write(&file, "First Name,Last Name,Company,Email\nAnna,Müller,Atlas,anna@atlas.de\nJan,Koch,Atlas,bad-email\nEva,Ruiz,,eva@ruiz.es\n")
        .unwrap();
    let mut app = fx.app();
    ch(&mut app, 'I');
    assert!(matches!(app.modal, Some(Modal::Form(_))), "{:?}", app.modal);
    for c in file.display().to_string().chars() {
        assert_eq!(ch(&mut app, c), vec![]);
    }
    let effects = key(&mut app, KeyCode::Enter);
    fx.perform(&mut app, effects);
    let Some(Modal::Confirm { question, .. }) = &app.modal else { panic!("expected the dry run, got {:?}", app.modal) };
    assert!(question.starts_with("3 rows: create 2 contacts, 1 company"), "{question}");
    assert!(question.contains("line 3: email: \"bad-email\" is not an email address"), "{question}");
    assert_eq!(fx.contacts(), 0, "the dry run wrote nothing");
    let effects = ch(&mut app, 'y');
    fx.perform(&mut app, effects);
    assert_eq!(fx.contacts(), 2);
    let msg = message(&app);
    // What was done first (the status line is cut at the terminal's width), then the report.
    assert_eq!(
        msg,
        "Imported 2 contacts, 1 company (u undoes it); 1 bad, 0 duplicate: see people.csv.import-report.csv"
    );
    assert!(fx.dir.path().join("people.csv.import-report.csv").exists());
    let effects = ch(&mut app, 'u');
    fx.perform(&mut app, effects);
    assert_eq!(fx.contacts(), 0, "one undo takes the whole import back");
}

#[test]
fn a_file_that_cannot_be_imported_says_why_on_the_form() {
    let fx = Fixture::empty();
    let mut app = fx.app();
    ch(&mut app, 'I');
    for c in "/nonexistent/file.csv".chars() {
        ch(&mut app, c);
    }
    let effects = key(&mut app, KeyCode::Enter);
    fx.perform(&mut app, effects);
    let Some(Modal::Form(form)) = &app.modal else { panic!("the form stays open: {:?}", app.modal) };
    let error = form.fields[0].error.clone().unwrap_or_default();
    assert!(error.contains("cannot read /nonexistent/file.csv"), "{error}");
    assert!(!form.pending);
}

fn duplicates(fx: &Fixture) {
    use crm::services::input::ContactInput;
    fx.add(ContactInput {
        name: Some("Anna Müller".into()),
        emails: vec!["anna@atlas.de".into()],
        title: Some("Buyer".into()),
        ..Default::default()
    });
    fx.add(ContactInput {
        name: Some("Anna Mueller".into()),
        emails: vec!["ANNA@atlas.de".into(), "home:anna@gmx.de".into()],
        title: Some("Head of Purchasing".into()),
        tags: vec!["fair".into()],
        ..Default::default()
    });
    let log = fx
        .crm
        .activity_changes(crm::services::input::ActivityInput {
            kind: "call".into(),
            contact: "c2".into(),
            summary: "Discussed the quote".into(),
            ..Default::default()
        })
        .expect("log");
    fx.crm.apply(log).expect("apply");
}

#[test]
fn duplicates_merge_side_by_side_picking_fields() {
    let fx = Fixture::empty();
    duplicates(&fx);
    let mut app = fx.app();
    let effects = ch(&mut app, 'D');
    fx.perform(&mut app, effects);
    let Some(Modal::Merge(view)) = &app.modal else { panic!("expected the merge view, got {:?}", app.modal) };
    let fields: Vec<&str> = view.plan.choices.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["name", "title"]);
    assert!(message(&app).contains("same email"), "{}", message(&app));
    // Take the title from the other contact.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Right);
    let effects = key(&mut app, KeyCode::Enter);
    fx.perform(&mut app, effects);
    assert_eq!(app.modal, None, "{}", message(&app));
    assert_eq!(fx.contacts(), 1);
    let card = fx.crm.contact_card(crm::domain::ContactId(1)).expect("card");
    assert_eq!(card.contact.name, "Anna Müller");
    assert_eq!(card.contact.title, "Head of Purchasing");
    assert_eq!(card.contact.emails.len(), 2);
    assert_eq!(card.contact.tags, vec!["fair".to_string()]);
    assert_eq!(card.activities.len(), 1, "the call moved to the kept contact");
    let effects = ch(&mut app, 'u');
    fx.perform(&mut app, effects);
    assert_eq!(fx.contacts(), 2, "u splits them again");
}

#[test]
fn no_duplicates_says_so() {
    let fx = Fixture::empty();
    let mut app = fx.app();
    let effects = ch(&mut app, 'D');
    fx.perform(&mut app, effects);
    assert_eq!(app.modal, None);
    assert_eq!(message(&app), "No duplicate contacts or companies found.");
}

#[test]
fn merge_view_snapshot() {
    let fx = Fixture::empty();
    duplicates(&fx);
    let mut app = fx.app();
    let effects = ch(&mut app, 'D');
    fx.perform(&mut app, effects);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Right);
    for (w, h) in [(80, 24), (160, 48)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        terminal.draw(|f| crm::tui::ui::draw(f, &app)).expect("draw");
        let buf = terminal.backend().buffer().clone();
        let mut text = String::new();
        for y in 0..buf.area.height {
            let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
            text.push_str(line.trim_end());
            text.push('\n');
        }
        insta::assert_snapshot!(format!("merge_view_{w}x{h}"), text);
    }
}

#[test]
fn duplicate_companies_merge_side_by_side_and_undo() {
    use crm::domain::{CompanyId, Ref};
    use crm::services::input::{CompanyInput, ContactInput};
    let fx = Fixture::empty();
    for (name, website, industry) in [("Atlas GmbH", "atlas.de", ""), ("Atlas", "https://www.atlas.de", "wholesale")] {
        let input = CompanyInput {
            name: Some(name.into()),
            website: Some(website.into()),
            industry: Some(industry.into()).filter(|i: &String| !i.is_empty()),
            ..Default::default()
        };
        let changes = fx.crm.company_changes(None, input).expect("changes");
        fx.crm.apply(changes).expect("apply");
    }
    fx.add(ContactInput { name: Some("Jan Koch".into()), company: Some("co2".into()), ..Default::default() });
    let mut app = fx.app();
    let effects = ch(&mut app, 'D');
    fx.perform(&mut app, effects);
    let Some(Modal::Merge(view)) = &app.modal else { panic!("expected the merge view, got {:?}", app.modal) };
    assert_eq!(
        (view.plan.keep.clone(), view.plan.other.clone()),
        (Ref::Company(CompanyId(1)), Ref::Company(CompanyId(2)))
    );
    let fields: Vec<&str> = view.plan.choices.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["name", "website", "industry"]);
    assert!(message(&app).contains("same name; same website atlas.de"), "{}", message(&app));
    // Take the other's name; the empty industry comes from it anyway.
    key(&mut app, KeyCode::Right);
    let effects = key(&mut app, KeyCode::Enter);
    fx.perform(&mut app, effects);
    assert_eq!(app.modal, None, "{}", message(&app));
    let card = fx.crm.company_card(CompanyId(1)).expect("card");
    assert_eq!(card.company.name, "Atlas");
    assert_eq!(card.company.website, "atlas.de");
    assert_eq!(card.company.industry, "wholesale");
    assert_eq!(card.contacts.len(), 1, "Jan moved to the kept company");
    let other = fx.crm.store().get(&Ref::Company(CompanyId(2))).expect("read").expect("still there");
    assert!(other.deleted().is_some(), "the other is in the trash");
    let effects = ch(&mut app, 'u');
    fx.perform(&mut app, effects);
    let card = fx.crm.company_card(CompanyId(1)).expect("card");
    assert_eq!((card.company.name.as_str(), card.contacts.len()), ("Atlas GmbH", 0), "u splits them again");
}
