//! Spanish vocabulary (normalised form: no accents, "mañana" is "manana").

use chrono::Weekday;

use super::{EmergencyTerm, Hazard, Lexicon, TimeWords};

const fn t(phrase: &'static str, weight: f32, hazard: Hazard) -> EmergencyTerm {
    EmergencyTerm {
        phrase,
        weight,
        hazard,
    }
}

pub static LEXICON: Lexicon = Lexicon {
    yes: &[
        "si", "claro", "correcto", "exacto", "de acuerdo", "vale", "perfecto", "esta bien",
        "por supuesto", "asi es", "dale", "si por favor", "me parece bien", "bueno",
    ],
    no: &["no", "nada", "para nada", "incorrecto", "no gracias", "eso es todo", "nada mas", "tampoco"],
    greeting: &["hola", "buenos dias", "buenas tardes", "buenas noches", "buenas"],
    book: &[
        "cita", "agendar", "programar", "reservar", "hacer una cita", "que venga", "que vengan",
        "mandar a alguien", "manden a alguien", "necesito un plomero", "reparar", "arreglar",
        "instalar", "cambiar el", "visita", "revisar", "no funciona", "se descompuso", "tapado",
        "gotea", "fuga",
    ],
    reschedule: &[
        "reprogramar", "cambiar la cita", "cambiar mi cita", "mover la cita", "mover mi cita",
        "otro dia", "otra hora", "otro horario", "posponer",
    ],
    cancel: &["cancelar", "cancela", "anular", "ya no necesito", "ya no la necesito"],
    human: &[
        "hablar con una persona", "hablar con alguien", "persona real", "un humano",
        "operador", "representante", "hablar con el dueno", "el encargado", "con alguien",
    ],
    wrong_number: &["numero equivocado", "equivocado", "me equivoque", "le llamo de parte", "ofrecerle"],
    hours: &[
        "horario", "horarios", "a que hora abren", "a que hora cierran", "cuando abren",
        "que dias", "hasta que hora",
    ],
    open_now: &["abierto ahora", "estan abiertos", "abren hoy", "abierto hoy", "siguen abiertos"],
    service_area: &[
        "zona", "area de servicio", "que areas", "que zonas", "que ciudades", "llegan a",
        "van a", "cubren",
    ],
    price: &["cuanto cuesta", "cuanto cobran", "precio", "precios", "costo", "cotizacion", "presupuesto", "cuanto sale"],
    warranty: &["garantia", "garantias", "garantizado"],
    emergency: &[
        t("tuberia rota", 0.95, Hazard::Water),
        t("tubo roto", 0.95, Hazard::Water),
        t("se reviento", 0.95, Hazard::Water),
        t("reventado", 0.9, Hazard::Water),
        t("inundacion", 0.95, Hazard::Water),
        t("inundando", 0.95, Hazard::Water),
        t("inundado", 0.95, Hazard::Water),
        t("se inunda", 0.95, Hazard::Water),
        t("agua por todos lados", 0.9, Hazard::Water),
        t("sin agua", 0.85, Hazard::Water),
        t("no tengo agua", 0.85, Hazard::Water),
        t("aguas negras", 0.9, Hazard::Sewage),
        t("drenaje", 0.6, Hazard::Sewage),
        t("fuga de gas", 0.97, Hazard::Gas),
        t("huele a gas", 0.97, Hazard::Gas),
        t("olor a gas", 0.97, Hazard::Gas),
        t("monoxido de carbono", 0.97, Hazard::CarbonMonoxide),
        t("alarma de monoxido", 0.97, Hazard::CarbonMonoxide),
        t("chispas", 0.95, Hazard::Electrical),
        t("olor a quemado", 0.9, Hazard::Electrical),
        t("humo", 0.9, Hazard::Electrical),
        t("sin calefaccion", 0.6, Hazard::Heat),
        t("sin agua caliente", 0.6, Hazard::Water),
        t("emergencia", 0.85, Hazard::Other),
        t("urgente", 0.6, Hazard::Other),
    ],
    freezing: &["congelando", "congelado", "helando", "mucho frio", "bajo cero"],
    electrics: &["enchufe", "enchufes", "electrico", "electrica", "tablero", "cables", "breaker"],
    water: &["agua", "fuga", "gotea", "mojado", "inundado"],
    not_emergency: &[
        "no es una emergencia", "no es emergencia", "no es urgente", "nada urgente",
        "no hay prisa", "no hay apuro", "sin prisa",
    ],
    negators: &["no", "ni", "nunca", "sin", "ya no", "tampoco"],
    over: &["ya paro", "ya se arreglo", "ya no", "arreglado", "controlado"],
    name_prefixes: &["me llamo", "mi nombre es", "soy", "habla", "es", "si soy", "nombre"],
    address_prefixes: &[
        "mi direccion es", "la direccion es", "direccion", "vivo en", "estoy en", "estamos en",
        "es en", "es", "en",
    ],
    ordinals: &[
        ("primera", 0), ("primero", 0), ("segunda", 1), ("segundo", 1), ("tercera", 2),
        ("tercero", 2), ("ultima", 99), ("ultimo", 99), ("opcion 1", 0), ("opcion 2", 1),
        ("opcion 3", 2), ("la mas temprana", 0),
    ],
    change_address: &["direccion"],
    change_name: &["nombre"],
    time: TimeWords {
        today: &["hoy", "esta noche"],
        tomorrow: &["manana"],
        day_after_tomorrow: &["pasado manana"],
        weekdays: &[
            ("lunes", Weekday::Mon), ("martes", Weekday::Tue), ("miercoles", Weekday::Wed),
            ("jueves", Weekday::Thu), ("viernes", Weekday::Fri), ("sabado", Weekday::Sat),
            ("sabados", Weekday::Sat), ("domingo", Weekday::Sun), ("domingos", Weekday::Sun),
        ],
        months: &[
            ("enero", 1), ("febrero", 2), ("marzo", 3), ("abril", 4), ("mayo", 5), ("junio", 6),
            ("julio", 7), ("agosto", 8), ("septiembre", 9), ("setiembre", 9), ("octubre", 10),
            ("noviembre", 11), ("diciembre", 12),
        ],
        morning: &["por la manana", "en la manana", "de la manana", "temprano", "mananas"],
        afternoon: &["por la tarde", "en la tarde", "de la tarde", "tarde"],
        evening: &["por la noche", "en la noche", "de la noche", "noche"],
        am: &["am"],
        pm: &["pm"],
        noon: &["mediodia"],
        asap: &[
            "lo antes posible", "cuanto antes", "lo mas pronto", "ahora mismo", "de inmediato",
            "lo mas rapido", "primera disponible", "lo primero disponible",
        ],
        any_time: &["cualquier dia", "cualquier hora", "cuando sea", "me da igual", "cualquier momento"],
        next: &["proximo", "proxima", "siguiente"],
        next_after: &["que viene", "proxima", "proximo", "siguiente"],
        this: &["este", "esta"],
        week: &["semana"],
        weekend: &["fin de semana"],
        after: &["despues de las", "despues de la", "despues de", "a partir de las", "desde las"],
        before: &["antes de las", "antes de la", "antes de"],
        at: &["a las", "a la", "como a las", "tipo"],
        except_before: &["no el", "excepto el", "menos el", "no los", "excepto"],
        except_after: &["no puedo", "no me sirve", "no me queda"],
        half: &["y media"],
        quarter_past: &["y cuarto"],
        quarter_to: &["menos cuarto"],
        minutes_follow_hour: true,
        bare_day_after_article: true,
        day_ordinals: &[("primero", 1)],
    },
};
