package bot

import "slices"

// lexicon is what the detector knows of one language. Each list holds entries separated
// by commas, written as a visitor would (the detector normalises them like the text:
// lower case, no diacritics, a repeated letter once):
//
//	talk to      the whole words
//	mitarbeit*   a word that starts so (inflections: "Mitarbeiterin", "Mitarbeitern")
//	*موظف*       anywhere, inside a word too (clitics, compounds)
//
// Entries in Chinese, Japanese and Thai, written without spaces, match anywhere.
// The languages are those of handover's table (handover.Languages) and more; this table
// is the detector's own, so handover's language list need not grow with it.
type lexicon struct {
	lang string
	// post: the negation may follow the verb (verb-final languages: "話したくない");
	// free: the wish may follow the person (free word order: "живой человек нужен"), as it
	// may in every post language. Elsewhere a person before a wish is its subject ("my
	// manager wants an invoice").
	post, free bool
	// person: whom a visitor asks for ("agent", "customer service", "a real person");
	// someone: "someone", "anybody", a person only beside a verb of talking.
	person, someone string
	// talk: verbs of talking and of being put through ("talk to", "connect me", "get me");
	// want: wishes and demands ("I want", "I need", "can I have").
	talk, want string
	// neg: negations of the wish ("don't", "no need"); block: questions about people,
	// identity questions, reports and hours ("how many", "are you a", "said", "when");
	// not: compounds and phrases that are no person or no wish ("agent account", "admin
	// role", "talk about", "doesn't work"); they silence every entry inside them.
	neg, block, not string
	// report: reported speech ("said", "gesagt"), which blocks its clause and the next.
	report string
	// must and purpose: an obligation and a purpose in one clause ask how something is done,
	// not for a person ("do I have to talk to an agent to cancel?"), where the question is
	// worded like a statement ("tengo que ... para ...").
	must, purpose string
	// filler: words that may stand beside a person in a request of a person alone
	// ("please", "real", "now"); bot: the bot, whose negation is no negation of the wish.
	filler, bot string
}

// lexicons is every language's lexicon.
var lexicons = slices.Concat(lexiconsEnglish, lexiconsEurope, lexiconsWorld)

var lexiconsEnglish = []lexicon{
	{
		lang: "en",
		person: `breathing person, living person, living human, human, humans, hooman, hoomans, humn, human being, human beings, person, persons, real people,
			actual people, live people, agent, agents, operator, operators, representative, representatives, rep, reps,
			customer service*, customer support, customer care, customer success, support team, support staff,
			support agent, support person, support people, human support, support human, live support, live help,
			human help, human assistance, staff, staff member, staff members, member of staff, employee, employees,
			manager, managers, supervisor, supervisors, team lead, team leader, your boss, your team, the team,
			a colleague, advisor, adviser, consultant, specialist, technician, customer rep, customer representative,
			help desk, helpdesk, service desk, live chat, live agent, live person, real one, somebody real,
			someone real, a real one, sales team, someone from your team, one of your team, one of your staff,
			somebody from your team, an actual human, account manager, case manager, a human, department,
			departments, billing team, returns team, complaints team, accounts team, finance team, tech team,
			technical team, technical support team, sales department, billing department`,
		someone: `whoever, whoever handles, whoever is, someone, somebody, anyone, anybody, sum1, some1, any1, sumone, smone, some one, some body, someone else, somebody else`,
		talk: `take over, step in, jump in, talk, talk to, talk with, talk 2, tlak to, speak, speak to, speak with, spek to, chat with, chat to,
			chat w, converse with, communicate with, connect me, connect us, connect, transfer me, transfer,
			be transferred, be connected, get transferred, get connected, put me through, put me in touch,
			put me on, put on, put a, put an, put someone, pass me, hand me over, hand me, hand over, hand off,
			handoff, forward me, redirect me, route me, switch me, switch to, send me to, escalate, escalation,
			get me, give me, gimme, find me, bring me, get, lemme talk, let me talk, let me speak,
			let me chat, reach, contact, get in touch, have a word, deal with, bring in, call in, get hold of,
			hook me up, patch me through, take me to, direct me to, hand this, hand it, pass this, pass it,
			forward this, let a, let an, have a real, have someone, have somebody,
			speaking with, speaking to, talking to, talking with, chatting with, is there someone,
			is there somebody, is there anyone, is anyone there, anyone there, is there a human, is there a person,
			is there an agent, are there any humans, a human help me, a person help me, an agent help me,
			a real person help me, a human look at, a person look at`,
		want: `want, wanna, want a, need, needs, i d like, would like, i would like, i like to, i d prefer, prefer,
			rather, i d rather, demand, demanding, request, requesting, require, help from, help me,
			can i have, may i have, can i get, could i get, can i please have, ask for, asking for, i ask for,
			looking for, where is, where are, i m waiting for, waiting for, give, get a real, i ll take, insist,
			insist on`,
		neg: `don t, dont, do not, didn t, didnt, did not, not, no need, never, never mind, nevermind, without,
			no longer, rather not, wouldn t, would not, won t, will not, no thanks, not necessary, needn t,
			don t need, no human needed, shouldn t, no reason to`,
		block: `must i, is it necessary, do i need to, do i have to, better than, in order to, automatically, will it, if the bot, how many, how much, what time, what hours, which hours, opening hours, business hours, hours,
			is open, are open, open on, open at, open today, open tomorrow, opens, closed, closing, when, weekend, weekends, sunday, sundays, saturday, saturdays, holiday,
			holidays, christmas, at night, tomorrow, do your, does your, are your, is your, can your, will your,
			would your, did your, do agents, do humans, are agents, are humans, are you a, are you an, are you human,
			are you real, are you bot, are u a, are u human, are u real, r u a, r u human, r u real, is this a,
			is this an, is this human, is this real, is this chat, is this ai, is it a, is that a, is this the bot,
			am i talking, am i chatting, am i speaking, am i connected, am i with, i m talking to a, im talking to a,
			am i still talking, who am i, not sure if, said, says, told me, told us, suggested, recommended,
			advised, according to, yesterday, last week, last month, last time, earlier today, was going to, was gonna, next week, next month, phone number,
			number for, email, e mail, job, jobs, hiring, apply, career, careers, salary, earn, become a, become an,
			what does, how do i become, do i need, do i have to, should i, if i need, in case, speak english,
			speak spanish, speak french, speak german, languages, what languages, cost extra, fee, do i get, if i call,
			if i phone, recorded, is the chat, is my chat, saved, stored, confidential, do you have`,
		report: `said, says, told me, told us, suggested, recommended, advised, according to`,
		not: `human readable, bring a person, bring someone, agent account, agent login, agent password, agent seat, agent seats, agent licence, agent license,
			agent role, agent app, agent dashboard, agent program, agent programme, agent panel, agent view,
			agent status, agent code, agent portal, agent plan, travel agent, real estate agent, estate agent,
			user agent, insurance agent, shipping agent, customs agent, booking agent, admin role, manager role,
			supervisor role, operator role, agent roles, human resources, human error, human rights, humane,
			person tent, two person, 2 person, four person, 4 person, one person, per person, delivery person,
			sales person, talk about, speak about, chat about, talking about, want to know, need to know,
			like to know, want to ask, need to ask, want to check, not help*, not working, not work,
			not understand*, not sure, not answer*, not good, not useful, not clear, not getting, not get,
			don t know, dont know, don t understand, dont understand, don t get, didn t help, didn t work,
			did not help, did not work, doesn t, does not, doesnt, not able, don t have time, not a bot,
			im not a bot, i m not a bot, not a robot, not a machine, not the bot, customer service phone,
			customer service number, customer service email, customer service hours, support hours,
			manager app, project manager, password manager, file manager, task manager, personal, my staff,
			my team, my agents, my employees, my colleagues, my operators, our staff, our agents, our team, my manager,
			my boss, our manager, my supervisor`,
		filler: `please, pls, plz, plez, plse, pleas, now, right now, asap, immediately, urgently, urgent, hi, hello,
			hey, yo, ok, okay, just, a, an, the, some, one, real, live, actual, actually, thanks, thank you, thx,
			again, i said, help, support, assistance, sir, mate, dude, ffs, god, damn, seriously, not a bot,
			not a robot, not a machine, not bot, no bot, no bots, no more bot, no more bots, instead, instead of a bot,
			instead of the bot, rather than a bot, not the bot, not the ai, no ai, no robot, being, beings, for me,
			to, with, me, for, quickly, fast, on the line, here, chat, any, around, out there, there, in here,
			needed, required, wanted`,
		bot: `bot, bots, chatbot, robot, robots, machine, machines, ai, automated, automat*, computer, algorithm,
			virtual assistant, ai assistant`,
	},
}
