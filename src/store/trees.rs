//! The named trees of a database: one per entity, one per index, the journal, the undo
//! and redo stacks, and `meta`. Key layouts are in docs/data-model.md.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tree {
    Meta,
    Journal,
    /// login ‖ 0 ‖ push number → seq: entries the user can undo, newest last.
    Undo,
    /// login ‖ 0 ‖ push number → seq: entries the user can redo, newest last.
    Redo,
    Contacts,
    Companies,
    Deals,
    Activities,
    Tasks,
    Users,
    /// due-ms ‖ task → (): open tasks by when they next need attention.
    TaskDue,
    /// stage ‖ 0 ‖ deal → ().
    DealStage,
    /// contact ‖ at-ms ‖ activity → ().
    ActivityByContact,
    /// deal ‖ at-ms ‖ activity → ().
    ActivityByDeal,
    /// company ‖ contact → ().
    ContactByCompany,
    /// contact ‖ deal → ().
    DealByContact,
    /// company ‖ deal → ().
    DealByCompany,
    /// contact ‖ task → ().
    TaskByContact,
    /// deal ‖ task → ().
    TaskByDeal,
    /// kind ‖ id → (): records in the trash (the record holds when it was deleted).
    Trash,
    /// kind ‖ id ‖ seq → (): journal entries that touched a record.
    RecordHistory,
    /// assignee ‖ 0 ‖ `keys::TaskSummary` → (): open tasks by assignee and when they next need
    /// attention, with what the agenda ranks them by, so `crm remind` decodes no task (schema 2).
    TaskByAssignee,
    /// owner ‖ 0 ‖ contact → (): contacts with a follow-up cadence (schema 2).
    ContactCadence,
    /// owner ‖ 0 ‖ stage ‖ 0 ‖ deal → (): deals by owner and stage (schema 2).
    DealByOwner,
    /// contact ‖ at-ms ‖ activity → (): calls and meetings only, what resets a follow-up
    /// cadence (schema 3).
    ContactTouch,
    /// at-ms ‖ kind ‖ author ‖ 0 ‖ activity → (): activities by time, with what the reports
    /// count, so that a report over a period reads no activity record (schema 4).
    ActivityByTime,
    /// created-ms ‖ owner ‖ 0 ‖ contact → (): contacts by creation, for "new contacts" (schema 4).
    ContactByCreated,
    /// Records shared with users, two entries per share (`keys::share`): `r` ‖ record ‖ login
    /// and `u` ‖ login ‖ 0 ‖ record → () (schema 6). Not an index: written by `Share` changes.
    Shares,
}

impl Tree {
    pub const ALL: [Tree; 28] = [
        Tree::Meta,
        Tree::Journal,
        Tree::Undo,
        Tree::Redo,
        Tree::Contacts,
        Tree::Companies,
        Tree::Deals,
        Tree::Activities,
        Tree::Tasks,
        Tree::Users,
        Tree::TaskDue,
        Tree::DealStage,
        Tree::ActivityByContact,
        Tree::ActivityByDeal,
        Tree::ContactByCompany,
        Tree::DealByContact,
        Tree::DealByCompany,
        Tree::TaskByContact,
        Tree::TaskByDeal,
        Tree::Trash,
        Tree::RecordHistory,
        Tree::TaskByAssignee,
        Tree::ContactCadence,
        Tree::DealByOwner,
        Tree::ContactTouch,
        Tree::ActivityByTime,
        Tree::ContactByCreated,
        Tree::Shares,
    ];

    /// Index trees: derived from the entity trees, rebuildable by `crm doctor --repair`.
    pub const INDEXES: [Tree; 17] = [
        Tree::TaskDue,
        Tree::DealStage,
        Tree::ActivityByContact,
        Tree::ActivityByDeal,
        Tree::ContactByCompany,
        Tree::DealByContact,
        Tree::DealByCompany,
        Tree::TaskByContact,
        Tree::TaskByDeal,
        Tree::Trash,
        Tree::RecordHistory,
        Tree::TaskByAssignee,
        Tree::ContactCadence,
        Tree::DealByOwner,
        Tree::ContactTouch,
        Tree::ActivityByTime,
        Tree::ContactByCreated,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tree::Meta => "meta",
            Tree::Journal => "journal",
            Tree::Undo => "undo",
            Tree::Redo => "redo",
            Tree::Contacts => "contacts",
            Tree::Companies => "companies",
            Tree::Deals => "deals",
            Tree::Activities => "activities",
            Tree::Tasks => "tasks",
            Tree::Users => "users",
            Tree::TaskDue => "task_due",
            Tree::DealStage => "deal_stage",
            Tree::ActivityByContact => "activity_by_contact",
            Tree::ActivityByDeal => "activity_by_deal",
            Tree::ContactByCompany => "contact_by_company",
            Tree::DealByContact => "deal_by_contact",
            Tree::DealByCompany => "deal_by_company",
            Tree::TaskByContact => "task_by_contact",
            Tree::TaskByDeal => "task_by_deal",
            Tree::Trash => "trash",
            Tree::RecordHistory => "record_history",
            Tree::TaskByAssignee => "task_by_assignee",
            Tree::ContactCadence => "contact_cadence",
            Tree::DealByOwner => "deal_by_owner",
            Tree::ContactTouch => "contact_touch",
            Tree::ActivityByTime => "activity_by_time",
            Tree::ContactByCreated => "contact_by_created",
            Tree::Shares => "shares",
        }
    }

    pub fn index(self) -> usize {
        Tree::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}
