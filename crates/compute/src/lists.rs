//! List sheets (`[[report.lists]]`): the rows a SQL query selects over this period's
//! accepted rows (each source under its id), the period before (`<id>_上期`, from the
//! store), the report's printed figures (`results`) and the roster (`roster`) — e.g. the
//! projects that lost a wage-payment system since last month, or the townships ranked by
//! their closure rate (`rank() over (order by value desc)`).

use polars::prelude::*;

use crate::printed::{printed_frame, PrintedFigure};
use history::{History, HistoryError};
use ingest::Ingested;
use pipeline::evaluate::{
    list_table, previous_table_name, roster_frame, run_list, schema_frame, RosterRow,
    RESULTS_TABLE, ROSTER_TABLE,
};
use pipeline::Plan;

/// One list sheet's rows, and what the 说明 must say about them.
#[derive(Debug, Clone)]
pub struct ListRows {
    pub frame: DataFrame,
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    History(#[from] HistoryError),
    // `check` dry-runs the query on the declared schema; polars' text stays out.
    #[error("清单表“{name}”的查询在所读数据上出错；请先用 laborstat check 检查流水线文件，若检查通过，请报告给维护人员")]
    Query {
        name: String,
        #[source]
        error: PolarsError,
    },
}

/// Every list sheet's rows; `printed` is what the report's tables print (the `results`
/// table).
pub fn list_rows(
    plan: &Plan,
    data: &Ingested,
    history: Option<&dyn History>,
    printed: &[PrintedFigure],
) -> Result<Vec<ListRows>, ListError> {
    if plan.lists.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = data
        .roster
        .submitters
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let previous = plan.period.previous();
    let fail = |name: &str| {
        let name = name.to_string();
        move |error| ListError::Query { name, error }
    };
    let roster: Vec<RosterRow> = data
        .roster
        .submitters
        .iter()
        .map(|s| RosterRow {
            code: &s.code,
            name: &s.name,
            kind: &s.kind,
            constants: plan
                .constants
                .iter()
                .map(|c| s.constants.get(&c.name).copied())
                .collect(),
        })
        .collect();
    // The sources are registered after these: a source named `results` or `roster` is read
    // as itself.
    let mut tables = vec![
        (
            RESULTS_TABLE.to_string(),
            printed_frame(printed).map_err(fail(RESULTS_TABLE))?,
        ),
        (
            ROSTER_TABLE.to_string(),
            roster_frame(&roster, &plan.constants).map_err(fail(ROSTER_TABLE))?,
        ),
    ];
    let mut missing = Vec::new();
    let mut absent = Vec::new();
    for (si, source) in plan.sources.iter().enumerate() {
        let current = list_table(&data.tables[si], &names).map_err(fail(&source.id))?;
        let before = match history {
            Some(history) => history.rows(source, &previous, &data.roster)?,
            None => None,
        };
        let before = match before {
            Some(stored) => {
                for column in stored.absent_columns {
                    absent.push(format!("{}“{column}”", source.title));
                }
                stored.frame
            }
            None => {
                missing.push(source.title.clone());
                schema_frame(source, 0).map_err(fail(&source.id))?
            }
        };
        let before = list_table(&before, &names).map_err(fail(&source.id))?;
        tables.push((source.id.clone(), current));
        tables.push((previous_table_name(&source.id), before));
    }
    plan.lists
        .iter()
        .map(|list| {
            let uses_previous = plan
                .sources
                .iter()
                .any(|s| list.sql.contains(&previous_table_name(&s.id)));
            let frame = run_list(&list.sql, tables.clone()).map_err(fail(&list.name))?;
            let mut notes = Vec::new();
            if uses_previous && !missing.is_empty() {
                notes.push(format!(
                    "存储中没有{}（{}）的数据，上期表为空：本表可能不全；先运行上期以存入",
                    missing.join("、"),
                    previous
                ));
            }
            if uses_previous && !absent.is_empty() {
                notes.push(format!(
                    "{previous}的存储数据中没有{}（流水线文件此后才声明），上期表中按空值计",
                    absent.join("、")
                ));
            }
            Ok(ListRows { frame, notes })
        })
        .collect()
}
