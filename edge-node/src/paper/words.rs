//! The words of a paper act: every heading, label and named value in Russian, the language of
//! the customs record, with English beside it. Nothing here is the act's own text: codes,
//! names, numbers and descriptions are printed as recorded.

/// A word or phrase in Russian and in English.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bi {
    /// Russian.
    pub ru: &'static str,
    /// English.
    pub en: &'static str,
}

impl Bi {
    /// Both, as one line: `Russian / English`.
    pub fn both(&self) -> String {
        format!("{} / {}", self.ru, self.en)
    }
}

const fn bi(ru: &'static str, en: &'static str) -> Bi {
    Bi { ru, en }
}

/// The heading of every paper act.
pub const PAPER: Bi = bi("Акт таможенного сопровождения", "Customs escort record");
/// What the paper is.
pub const PAPER_NOTE: Bi = bi(
    "Бумажная копия подписанного электронного акта. Подлинник — в QR-коде: его подписи проверяет любой узел tamga.",
    "A paper copy of a signed electronic act. The original is in the QR code: any tamga node verifies its signatures.",
);

/// The name of an act kind that has a paper act.
pub fn kind(kind: &str) -> Option<Bi> {
    Some(match kind {
        "custody_transferred" => bi("Акт приёма-передачи партии", "Custody handoff"),
        "consignment_delivered" => bi("Акт доставки партии", "Delivery of the consignment"),
        "incident_reported" => bi("Сообщение о происшествии", "Incident report"),
        "act_corrected" => bi("Исправление акта", "Correction of an act"),
        _ => return None,
    })
}

/// The name of any act kind, for the act a correction names (the wire name where none is
/// known).
pub fn any_kind(name: &str) -> Bi {
    kind(name).unwrap_or(match name {
        "consignment_registered" => bi("Регистрация партии", "Registration of the consignment"),
        "seal_applied" => bi("Наложение пломбы", "Seal applied"),
        "escort_assigned" => bi("Назначение сопровождения", "Escort assigned"),
        _ => bi("акт", "act"),
    })
}

// Sections.
/// The act itself.
pub const THE_ACT: Bi = bi("Акт", "Act");
/// The consignment.
pub const CONSIGNMENT_SECTION: Bi = bi("Партия товаров", "Consignment");
/// Who signed.
pub const SIGNED_BY: Bi = bi("Подписали", "Signed by");
/// The seals.
pub const SEALS: Bi = bi(
    "Пломбы (средства идентификации)",
    "Seals (identification means)",
);
/// The goods as counted.
pub const COUNT: Bi = bi("Грузовые места и масса", "Packages and mass");
/// What happened.
pub const INCIDENT: Bi = bi("Происшествие", "Incident");
/// What a correction changes.
pub const CORRECTION: Bi = bi("Исправление", "Correction");
/// A transhipment.
pub const TRANSHIPMENT: Bi = bi("Перегрузка на другое транспортное средство", "Transhipment");
/// The signed act in a QR code.
pub const QR: Bi = bi("Подписанный акт (QR-код)", "The signed act (QR code)");

// Labels.
/// The act's id.
pub const ACT_ID: Bi = bi("Идентификатор акта", "Act id");
/// Local time.
pub const LOCAL_TIME: Bi = bi("Время (местное)", "Time (local)");
/// UTC.
pub const UTC_TIME: Bi = bi("Время (UTC)", "Time (UTC)");
/// Where.
pub const PLACE: Bi = bi("Место", "Place");
/// The consignment's number.
pub const CONSIGNMENT: Bi = bi("Номер партии", "Consignment number");
/// The transit declaration.
pub const DECLARATION: Bi = bi("Транзитная декларация", "Transit declaration");
/// Whether the act holds on this node.
pub const STANDING: Bi = bi("На этом узле", "On this node");
/// Printed when.
pub const PRINTED: Bi = bi("Напечатано", "Printed");
/// Releasing side of a handoff.
pub const RELEASING: Bi = bi("Сдал", "Released by");
/// Receiving side of a handoff.
pub const RECEIVING: Bi = bi("Принял", "Received by");
/// A signer of another act.
pub const SIGNER: Bi = bi("Подписал", "Signed by");
/// A signer's personal number.
pub const PERSONAL_NUMBER: Bi = bi("личный номер", "personal number");
/// A signer's unit.
pub const UNIT: Bi = bi("подразделение", "unit");
/// A signing key not in the registry here.
pub const UNKNOWN_KEY: Bi = bi(
    "ключ не зарегистрирован на этом узле",
    "key not enrolled on this node",
);
/// The previous custody act.
pub const PREVIOUS: Bi = bi("Предыдущий акт передачи", "Previous custody act");
/// Packages.
pub const PACKAGES: Bi = bi("Грузовых мест", "Packages");
/// Gross mass.
pub const GROSS_MASS: Bi = bi("Масса брутто", "Gross mass");
/// Net mass.
pub const NET_MASS: Bi = bi("Масса нетто (перевзвешено)", "Net mass (re-weighed)");
/// A shortage.
pub const SHORTAGE: Bi = bi("Недостача", "Shortage");
/// Documents checked at delivery.
pub const DOCUMENTS: Bi = bi("Сопроводительные документы", "Accompanying documents");
/// A document present.
pub const PRESENT: Bi = bi("в наличии", "present");
/// A document missing.
pub const ABSENT: Bi = bi("отсутствует", "missing");
/// No seals listed.
pub const NO_SEALS: Bi = bi("не указаны", "none listed");
/// The incident's kind.
pub const INCIDENT_KIND: Bi = bi("Вид происшествия", "Kind of incident");
/// When it happened.
pub const HAPPENED: Bi = bi("Когда произошло", "When it happened");
/// What happened.
pub const DESCRIPTION: Bi = bi("Описание", "Description");
/// Seals affected.
pub const AFFECTED_SEALS: Bi = bi("Затронутые пломбы", "Seals affected");
/// Attachments.
pub const ATTACHMENTS: Bi = bi("Вложения (SHA-256)", "Attachments (SHA-256)");
/// The act corrected.
pub const CORRECTS: Bi = bi("Исправляемый акт", "Act corrected");
/// Why.
pub const REASON: Bi = bi("Основание", "Reason");
/// The permit.
pub const PERMISSION: Bi = bi("Разрешение", "Permission");
/// A new value.
pub const NEW_VALUE: Bi = bi("Новое значение", "New value");
/// The vehicle.
pub const VEHICLE: Bi = bi("Транспортное средство", "Vehicle");
/// New seals.
pub const NEW_SEALS: Bi = bi("Новые пломбы", "New seals");
/// Not held here.
pub const NOT_HELD: Bi = bi("не найдено на этом узле", "not held on this node");
/// The act holds.
pub const HOLDS: Bi = bi("акт действителен", "the act holds");
/// The act does not hold.
pub const DOES_NOT_HOLD: Bi = bi("акт НЕ действителен", "the act does NOT hold");
/// How to read the code.
pub const QR_HOW: Bi = bi(
    "Отсканируйте и импортируйте на любом узле tamga (tamga-edge handoff complete ФАЙЛ или «Импорт акта» в интерфейсе): узел проверит подписи.",
    "Scan and import it on any tamga node (tamga-edge handoff complete FILE, or Import act in the UI): the node verifies the signatures.",
);
/// The code did not fit.
pub const QR_TOO_LARGE: Bi = bi(
    "Подписанный акт слишком велик для одного QR-кода, поэтому кода на бумаге нет. Передайте акт файлом (/api/acts/<id>/file) или синхронизацией.",
    "The signed act is too large for one QR code, so there is no code on this paper. Hand the act over as a file (/api/acts/<id>/file) or by sync.",
);
/// Page numbering.
pub const PAGE: Bi = bi("Стр.", "Page");

/// A seal's state.
pub fn seal_state(state: &str) -> Bi {
    match state {
        "intact" => bi("целая", "intact"),
        "damaged" => bi("повреждена", "damaged"),
        "missing" => bi("отсутствует", "missing"),
        _ => bi("?", "?"),
    }
}

/// A seal's kind.
pub fn seal_kind(kind: &str) -> Bi {
    match kind {
        "mechanical" => bi("механическая", "mechanical"),
        "navigation" => bi("навигационная", "navigation"),
        _ => bi("?", "?"),
    }
}

/// An incident's kind.
pub fn incident_kind(kind: &str) -> Bi {
    match kind {
        "accident" => bi("авария (ДТП)", "accident"),
        "force_majeure" => bi("непреодолимая сила", "force majeure"),
        "seal_damage" => bi("повреждение средств идентификации", "damage to seals"),
        "route_deviation" => bi("отклонение от маршрута", "route deviation"),
        "delay" => bi("задержка", "delay"),
        "loss_or_shortage" => bi("утрата или недостача", "loss or shortage"),
        _ => bi("?", "?"),
    }
}

/// A place on the road.
pub const ROAD: Bi = bi("в пути", "on the road");
/// A post.
pub const POST: Bi = bi("пост", "post");

/// A field a correction changes.
pub fn field(name: &str) -> Bi {
    match name {
        "declaration" => bi("Транзитная декларация", "Transit declaration"),
        "consignor" => bi("Отправитель", "Consignor"),
        "consignee" => bi("Получатель", "Consignee"),
        "carrier" => bi("Перевозчик", "Carrier"),
        "goods" => bi("Товары", "Goods"),
        "packages" => bi("Грузовых мест", "Packages"),
        "certificates" => bi("Сертификаты", "Certificates"),
        "documents" => bi("Документы", "Documents"),
        "seal" => bi("Номер пломбы", "Seal number"),
        "seal_kind" => bi("Вид пломбы", "Seal kind"),
        "fixed_on" => bi("Где наложена", "Fixed on"),
        "vehicle" => bi("Транспортное средство", "Vehicle"),
        "happened_at" => bi("Когда произошло", "When it happened"),
        "description" => bi("Описание", "Description"),
        "seals" => bi("Затронутые пломбы", "Seals affected"),
        "attachments" => bi("Вложения", "Attachments"),
        _ => bi("Поле", "Field"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_paper_kind_and_every_named_value_has_both_languages() {
        for k in super::super::KINDS {
            let name = kind(k).expect("a paper kind has a name");
            assert!(!name.ru.is_empty() && !name.en.is_empty());
            assert!(name.ru.chars().any(|c| ('а'..='я').contains(&c)), "{k}");
        }
        assert_eq!(kind("seal_checked"), None);
        for s in ["intact", "damaged", "missing"] {
            assert_ne!(seal_state(s).en, "?");
        }
        for i in [
            "accident",
            "force_majeure",
            "seal_damage",
            "route_deviation",
            "delay",
            "loss_or_shortage",
        ] {
            assert_ne!(incident_kind(i).en, "?", "{i}");
        }
        assert_eq!(
            PAPER.both(),
            "Акт таможенного сопровождения / Customs escort record"
        );
    }
}
