use super::{normalize, normalize_text};

fn n(text: &str) -> String {
    normalize_text(text)
}

#[test]
fn case_and_punctuation() {
    assert_eq!(n("Hello, World!  What's up?"), "hello world what is up");
    assert_eq!(n("A pipe just burst -- water everywhere!!!"), "a pipe just burst water everywhere");
    assert_eq!(n("\u{201c}Yes,\u{201d} she said."), "yes she said");
}

#[test]
fn contractions() {
    assert_eq!(
        n("I'd like to cancel, I can't make it and I won't be home"),
        "i would like to cancel i can not make it and i will not be home"
    );
    assert_eq!(
        n("we're here, you've got it, they'll come, I'm John"),
        "we are here you have got it they will come i am john"
    );
    assert_eq!(n("It\u{2019}s John's truck"), "it is johns truck");
    assert_eq!(n("let's go, don't worry"), "let us go do not worry");
    assert_eq!(n("I cannot"), "i can not");
}

#[test]
fn numbers_spelled_out_and_digits_agree() {
    assert_eq!(n("Forty two Oak Street"), "42 oak street");
    assert_eq!(n("42 Oak Street"), "42 oak street");
    assert_eq!(n("forty-two"), "42");
    assert_eq!(n("one hundred and five dollars"), "105 dollars");
    assert_eq!(n("two thousand five hundred"), "2500");
    assert_eq!(n("2,500"), "2500");
    assert_eq!(n("eighteen Maple Avenue"), "18 maple avenue");
    assert_eq!(n("the twenty first"), "the 21st");
    assert_eq!(n("five five five one two three four"), "5551234");
    assert_eq!(n("ten percent"), "10 percent");
    assert_eq!(n("10%"), "10 percent");
    assert_eq!(n("one"), "1");
}

#[test]
fn words_that_look_like_numbers_stay() {
    // "and" outside a number, and a lone ordinal, are words.
    assert_eq!(n("one and two"), "1 and 2");
    assert_eq!(n("wait a second"), "wait a second");
    assert_eq!(n("someone"), "someone");
}

#[test]
fn fillers_and_annotations_are_dropped() {
    assert_eq!(n("Um, uh, my drain is, hmm, clogged"), "my drain is clogged");
    assert_eq!(n("[noise] yes (laughs) please <unk>"), "yes please");
}

#[test]
fn british_spellings() {
    assert_eq!(n("I cancelled the colour job"), "i canceled the color job");
    assert_eq!(normalize("OK okay"), vec!["ok", "ok"]);
}
