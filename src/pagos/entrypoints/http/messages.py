"""Error messages in Spanish (the default) and English, keyed by problem code."""

from __future__ import annotations

from typing import Any

SPANISH = "es"
ENGLISH = "en"

# code: (HTTP status, {language: (title, detail template)})
CATALOG: dict[str, tuple[int, dict[str, tuple[str, str]]]] = {
    "monto_invalido": (422, {
        SPANISH: (
            "Monto inválido",
            "El campo monto debe ser un número JSON o un texto en notación decimal simple como \"100.10\" (un texto no admite exponente).",
        ),
        ENGLISH: (
            "Invalid amount",
            "Field monto must be a JSON number or a string in plain decimal notation such as \"100.10\" (a string takes no exponent).",
        ),
    }),
    "monto_no_positivo": (422, {
        SPANISH: ("Monto no positivo", "El campo monto debe ser mayor que 0; se recibió {valor}."),
        ENGLISH: ("Amount not positive", "Field monto must be greater than 0; received {valor}."),
    }),
    "monto_demasiado_grande": (422, {
        SPANISH: ("Monto demasiado grande", "El campo monto no puede superar {maximo}."),
        ENGLISH: ("Amount too large", "Field monto must not exceed {maximo}."),
    }),
    "monto_sin_decimales": (422, {
        SPANISH: (
            "Demasiados decimales",
            "El monto {valor} está escrito con decimales y {moneda} no admite decimales. Escríbalo como entero, "
            "sin punto decimal; el servicio nunca redondea.",
        ),
        ENGLISH: (
            "Too many decimals",
            "Amount {valor} is written with decimals and {moneda} has none. Write it as a whole number, without a "
            "decimal point; the service never rounds.",
        ),
    }),
    "monto_demasiados_decimales": (422, {
        SPANISH: (
            "Demasiados decimales",
            "El monto {valor} está escrito con {escritos} decimales y {moneda} admite como máximo {decimales}. "
            "Escríbalo con {decimales} decimales o menos, sin ceros de relleno; el servicio nunca redondea.",
        ),
        ENGLISH: (
            "Too many decimals",
            "Amount {valor} is written with {escritos} decimals and {moneda} allows at most {decimales}. "
            "Write it with {decimales} decimals or fewer, without padding zeros; the service never rounds.",
        ),
    }),
    "moneda_invalida": (422, {
        SPANISH: ("Moneda inválida", "El campo moneda debe ser un código ISO 4217 de tres letras, como \"USD\"."),
        ENGLISH: ("Invalid currency", "Field moneda must be a three-letter ISO 4217 code such as \"USD\"."),
    }),
    "moneda_desconocida": (422, {
        SPANISH: ("Moneda desconocida", "La moneda {valor} no es una moneda ISO 4217 vigente. Use un código como \"USD\", \"EUR\" o \"MXN\"."),
        ENGLISH: ("Unknown currency", "Currency {valor} is not an active ISO 4217 currency. Use a code such as \"USD\", \"EUR\" or \"MXN\"."),
    }),
    "metodo_pago_invalido": (422, {
        SPANISH: ("Método de pago inválido", "El campo metodoPago debe ser uno de: {permitidos}."),
        ENGLISH: ("Invalid payment method", "Field metodoPago must be one of: {permitidos}."),
    }),
    "metodo_pago_no_permitido_mayor_100": (422, {
        SPANISH: ("Método de pago no permitido", "Un monto mayor que 100 ({monto}) solo puede pagarse con tarjeta; se recibió {metodo}."),
        ENGLISH: ("Payment method not allowed", "An amount above 100 ({monto}) can only be paid by tarjeta; received {metodo}."),
    }),
    "metodo_pago_no_permitido_hasta_100": (422, {
        SPANISH: (
            "Método de pago no permitido",
            "Un monto de 100 o menos ({monto}) solo puede pagarse con efectivo o transferencia; se recibió {metodo}.",
        ),
        ENGLISH: (
            "Payment method not allowed",
            "An amount of 100 or less ({monto}) can only be paid by efectivo or transferencia; received {metodo}.",
        ),
    }),
    "cliente_id_invalido": (422, {
        SPANISH: ("Cliente inválido", "El campo clienteId debe ser un texto."),
        ENGLISH: ("Invalid client", "Field clienteId must be a string."),
    }),
    "cliente_id_vacio": (422, {
        SPANISH: ("Cliente vacío", "El campo clienteId no puede estar vacío."),
        ENGLISH: ("Empty client", "Field clienteId must not be empty."),
    }),
    "cliente_id_demasiado_largo": (422, {
        SPANISH: ("Cliente demasiado largo", "El campo clienteId admite como máximo {maximo} caracteres."),
        ENGLISH: ("Client too long", "Field clienteId must have at most {maximo} characters."),
    }),
    "cliente_id_no_canonico": (422, {
        SPANISH: (
            "Caracteres de compatibilidad",
            "El campo clienteId contiene caracteres de compatibilidad (como letras de ancho completo) que se confunden "
            "con otros. Use la forma normal: {sugerido}.",
        ),
        ENGLISH: (
            "Compatibility characters",
            "Field clienteId contains compatibility characters (such as fullwidth letters) that look like others. "
            "Use the normal form: {sugerido}.",
        ),
    }),
    "cliente_id_alfabetos_mezclados": (422, {
        SPANISH: (
            "Alfabetos mezclados",
            "El campo clienteId mezcla letras de alfabetos que se confunden entre sí ({alfabetos_es}). Escríbalo con uno solo.",
        ),
        ENGLISH: (
            "Mixed alphabets",
            "Field clienteId mixes letters of look-alike alphabets ({alfabetos_en}). Write it in one of them.",
        ),
    }),
    "cliente_id_reservado": (422, {
        SPANISH: ("Cliente reservado", "El clienteId {valor} no está permitido porque las URL lo interpretan como un segmento de ruta."),
        ENGLISH: ("Reserved client", "clienteId {valor} is not allowed because URLs treat it as a path segment."),
    }),
    "cliente_id_caracter_invalido": (422, {
        SPANISH: (
            "Carácter no permitido",
            "El campo clienteId contiene el carácter no permitido {caracter}. Use letras, dígitos, espacios y - _ . @ : + #.",
        ),
        ENGLISH: (
            "Character not allowed",
            "Field clienteId contains the forbidden character {caracter}. Use letters, digits, spaces and - _ . @ : + #.",
        ),
    }),
    "motivo_vacio": (422, {
        SPANISH: ("Motivo vacío", "El campo motivo es obligatorio y no puede estar vacío."),
        ENGLISH: ("Empty reason", "Field motivo is required and must not be empty."),
    }),
    "motivo_demasiado_largo": (422, {
        SPANISH: ("Motivo demasiado largo", "El campo motivo admite como máximo {maximo} caracteres."),
        ENGLISH: ("Reason too long", "Field motivo must have at most {maximo} characters."),
    }),
    "motivo_caracter_invalido": (422, {
        SPANISH: ("Carácter no permitido", "El campo motivo contiene caracteres de control o invisibles."),
        ENGLISH: ("Character not allowed", "Field motivo contains control or invisible characters."),
    }),
    "cursor_invalido": (400, {
        SPANISH: ("Cursor inválido", "El parámetro cursor no es un valor devuelto por una página anterior. Omítalo para empezar desde el principio."),
        ENGLISH: ("Invalid cursor", "Parameter cursor is not a value returned by a previous page. Omit it to start from the beginning."),
    }),
    "pago_no_encontrado": (404, {
        SPANISH: ("Pago no encontrado", "No existe el pago {pago_id} para este cliente."),
        ENGLISH: ("Payment not found", "Payment {pago_id} does not exist for this client."),
    }),
    "pago_ya_reversado": (409, {
        SPANISH: ("Pago ya reversado", "El pago {pago_id} ya fue reversado; un pago solo puede reversarse una vez."),
        ENGLISH: ("Payment already reversed", "Payment {pago_id} was already reversed; a payment can be reversed only once."),
    }),
    "conflicto_de_concurrencia": (409, {
        SPANISH: ("Conflicto de concurrencia", "El pago {pago_id} cambió mientras se procesaba la solicitud. Consulte su estado y vuelva a intentarlo."),
        ENGLISH: ("Concurrency conflict", "Payment {pago_id} changed while the request was processed. Read its state and try again."),
    }),
    "idempotency_key_invalida": (400, {
        SPANISH: (
            "Idempotency-Key inválida",
            "La cabecera Idempotency-Key debe tener entre 1 y {maximo} caracteres ASCII visibles, por ejemplo un UUID.",
        ),
        ENGLISH: (
            "Invalid Idempotency-Key",
            "The Idempotency-Key header must have 1 to {maximo} visible ASCII characters, such as a UUID.",
        ),
    }),
    "idempotency_key_reutilizada": (422, {
        SPANISH: (
            "Idempotency-Key reutilizada",
            "La Idempotency-Key ya se usó para una solicitud distinta de este cliente. Use una clave nueva para cada "
            "operación nueva y repita la misma solicitud solo para reintentar.",
        ),
        ENGLISH: (
            "Idempotency-Key reused",
            "The Idempotency-Key was already used for a different request of this client. Use a new key for each new "
            "operation and repeat the same request only to retry.",
        ),
    }),
    "json_invalido": (400, {
        SPANISH: (
            "JSON inválido",
            "El cuerpo no es JSON válido (error en el carácter {posicion}). Envíe un objeto JSON en UTF-8, "
            "sin claves repetidas, NaN ni Infinity.",
        ),
        ENGLISH: (
            "Invalid JSON",
            "The body is not valid JSON (error at character {posicion}). Send a UTF-8 JSON object "
            "without repeated keys, NaN or Infinity.",
        ),
    }),
    "json_clave_repetida": (400, {
        SPANISH: ("Clave repetida", "La clave {field} aparece más de una vez en el mismo objeto JSON. Envíela una sola vez."),
        ENGLISH: ("Repeated key", "Key {field} appears more than once in the same JSON object. Send it once."),
    }),
    "parametro_repetido": (422, {
        SPANISH: ("Parámetro repetido", "El parámetro {field} aparece más de una vez. Envíelo una sola vez."),
        ENGLISH: ("Repeated parameter", "Parameter {field} appears more than once. Send it once."),
    }),
    "cuerpo_vacio": (400, {
        SPANISH: ("Cuerpo vacío", "La solicitud no tiene cuerpo. Envíe un objeto JSON con los campos documentados."),
        ENGLISH: ("Empty body", "The request has no body. Send a JSON object with the documented fields."),
    }),
    "parametro_desconocido": (422, {
        SPANISH: ("Parámetro desconocido", "El parámetro {field} no existe en esta operación. Los admitidos son: {permitidos}."),
        ENGLISH: ("Unknown parameter", "Parameter {field} does not exist in this operation. Accepted: {permitidos}."),
    }),
    "cuerpo_invalido": (422, {
        SPANISH: ("Cuerpo inválido", "El cuerpo debe ser un objeto JSON con los campos documentados."),
        ENGLISH: ("Invalid body", "The body must be a JSON object with the documented fields."),
    }),
    "campo_requerido": (422, {
        SPANISH: ("Falta un campo", "Falta el campo obligatorio {field}."),
        ENGLISH: ("Missing field", "Required field {field} is missing."),
    }),
    "campo_desconocido": (422, {
        SPANISH: ("Campo desconocido", "El campo {field} no existe en esta operación. Quítelo o corrija su nombre."),
        ENGLISH: ("Unknown field", "Field {field} does not exist in this operation. Remove it or correct its name."),
    }),
    "tipo_invalido": (422, {
        SPANISH: ("Tipo inválido", "El campo {field} debe ser {esperado_es}."),
        ENGLISH: ("Invalid type", "Field {field} must be {esperado_en}."),
    }),
    "valor_invalido": (422, {
        SPANISH: ("Valor inválido", "El valor de {field} no es válido: {error}."),
        ENGLISH: ("Invalid value", "The value of {field} is invalid: {error}."),
    }),
    "valor_menor_que_minimo": (422, {
        SPANISH: ("Valor demasiado pequeño", "El valor de {field} debe ser al menos {minimo}."),
        ENGLISH: ("Value too small", "The value of {field} must be at least {minimo}."),
    }),
    "valor_mayor_que_maximo": (422, {
        SPANISH: ("Valor demasiado grande", "El valor de {field} debe ser como máximo {maximo}."),
        ENGLISH: ("Value too large", "The value of {field} must be at most {maximo}."),
    }),
    "valor_no_permitido": (422, {
        SPANISH: ("Valor no permitido", "El valor de {field} debe ser uno de: {permitidos}."),
        ENGLISH: ("Value not allowed", "The value of {field} must be one of: {permitidos}."),
    }),
    "pago_id_invalido": (422, {
        SPANISH: ("Identificador de pago inválido", "El identificador de pago debe ser un UUID, como \"3f2b8c1e-5a4d-4c6b-9e7f-1a2b3c4d5e6f\"."),
        ENGLISH: ("Invalid payment id", "The payment id must be a UUID, such as \"3f2b8c1e-5a4d-4c6b-9e7f-1a2b3c4d5e6f\"."),
    }),
    "cuerpo_demasiado_grande": (413, {
        SPANISH: ("Cuerpo demasiado grande", "El cuerpo supera el máximo de {maximo} bytes."),
        ENGLISH: ("Body too large", "The body exceeds the maximum of {maximo} bytes."),
    }),
    "tipo_de_contenido_no_soportado": (415, {
        SPANISH: (
            "Tipo de contenido no soportado",
            "Envíe el cuerpo como JSON en UTF-8 con la cabecera Content-Type: application/json.",
        ),
        ENGLISH: ("Unsupported content type", "Send the body as UTF-8 JSON with the header Content-Type: application/json."),
    }),
    "ruta_no_encontrada": (404, {
        SPANISH: ("Ruta no encontrada", "No existe la ruta {path}. Consulte /docs."),
        ENGLISH: ("Route not found", "Route {path} does not exist. See /docs."),
    }),
    "metodo_no_permitido": (405, {
        SPANISH: ("Método no permitido", "La ruta {path} no admite el método {method}."),
        ENGLISH: ("Method not allowed", "Route {path} does not accept method {method}."),
    }),
    "error_http": (400, {
        SPANISH: ("Solicitud inválida", "La solicitud no pudo procesarse (HTTP {status})."),
        ENGLISH: ("Invalid request", "The request could not be processed (HTTP {status})."),
    }),
    "servicio_no_disponible": (503, {
        SPANISH: (
            "Servicio no disponible",
            "Un almacén de datos no responde. Reintente en unos segundos con la misma Idempotency-Key; "
            "cite el identificador {correlation_id} si persiste.",
        ),
        ENGLISH: (
            "Service unavailable",
            "A data store does not answer. Retry in a few seconds with the same Idempotency-Key; "
            "quote id {correlation_id} if it persists.",
        ),
    }),
    "error_interno": (500, {
        SPANISH: ("Error interno", "Ocurrió un error interno. Reintente más tarde y cite el identificador {correlation_id}."),
        ENGLISH: ("Internal error", "An internal error occurred. Try again later and quote id {correlation_id}."),
    }),
}


def choose_language(accept_language: str | None) -> str:
    """Pick Spanish or English from an Accept-Language header; Spanish unless English ranks higher."""
    best, best_quality = SPANISH, 0.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().lower().split("-")[0]
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if language in (SPANISH, ENGLISH) and quality > best_quality:
            best, best_quality = language, quality
    return best


def render(code: str, language: str, params: dict[str, Any]) -> tuple[int, str, str]:
    """Return the status, title and detail of ``code`` in ``language``."""
    status, texts = CATALOG.get(code, CATALOG["error_http"])
    title, template = texts[language]
    try:
        detail = template.format(**params)
    except (KeyError, IndexError, ValueError):
        detail = title
    return status, title, detail
